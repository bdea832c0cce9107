/**
 * Finds the program of the command before it is started, so "command not found" is reported as what
 * it is (bad input, naming the program and where it was looked for) rather than as a crash to retry.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { BadInputError } from '../core/errors';

export class CommandNotFoundError extends BadInputError {
  override readonly name = 'CommandNotFoundError';
}

/** The absolute path of `program`: a path (with a `/`) is taken relative to `cwd`, a bare name is looked up on PATH. */
export function resolveProgram(program: string, cwd: string, env: NodeJS.ProcessEnv): string {
  if (program.includes('/')) {
    const path = isAbsolute(program) ? program : resolve(cwd, program);
    if (!isExecutableFile(path)) {
      throw new CommandNotFoundError(
        `command ${program} not found: ${path} is not an executable file (relative paths are taken from the working directory ${cwd})`,
      );
    }
    return path;
  }
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const dir of dirs) {
    const path = join(isAbsolute(dir) ? dir : resolve(cwd, dir), program);
    if (isExecutableFile(path)) return path;
  }
  throw new CommandNotFoundError(
    `command ${program} not found on PATH (${dirs.join(delimiter) || 'PATH is empty'}); install it on this host, ` +
      'or give its full path in the experiment option commandTemplate',
  );
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
