/**
 * A task file's data generator (`data.generate`): a program that writes the train and dev JSONL,
 * run once by the CLI when they are missing, as arithmetic generates its problems.
 */
import { execFile } from 'node:child_process';
import { commandWords, withEnvironment, type ResolvedCommand } from '../core/command-line';

const TAIL = 2000;

/** Runs `command` in `cwd`; undefined when it succeeded, else what went wrong and what to do. */
export async function runDataGenerator(command: string, cwd: string): Promise<string | undefined> {
  let resolved: ResolvedCommand;
  try {
    // ${NAME} references are expanded here, where the generator runs, as in every command of the project.
    resolved = withEnvironment(commandWords(command), process.env);
  } catch (err) {
    return (err as Error).message;
  }
  const [program, ...args] = resolved.argv;
  if (!program) return 'the command is empty: give the program that writes the data, e.g. "npx tsx make-data.ts"';
  return new Promise((resolve) => {
    execFile(program, args, { cwd, maxBuffer: 16 * 1024 * 1024 }, (err, _stdout, stderr) => {
      if (!err) return resolve(undefined);
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return resolve(`the program ${JSON.stringify(program)} was not found; give its full path or put it on PATH`);
      resolve(
        resolved.mask(
          `${JSON.stringify(command)} failed in ${cwd} (${err.message.split('\n')[0]}); it must write the train and dev files. Its last output:\n${stderr.slice(-TAIL).trim() || '(nothing on stderr)'}`,
        ),
      );
    });
  });
}
