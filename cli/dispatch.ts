import { BadInputError } from '../core/errors';
import { NotAvailableError, UsageError } from './errors';
import { closestNames } from './suggest';

/** A subcommand: each lives in its own file and is loaded only when used (the worker pulls in tfjs). */
interface Command {
  summary: string;
  run(argv: string[]): Promise<number>;
}

/**
 * `require`, not `import()`: bin/star.js loads the CLI through tsx's CommonJS hook, which does not
 * cover dynamic `import()`; `typeof import(...)` keeps the modules typed.
 */
function load<T>(path: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path) as T;
}

const commands: Record<string, Command> = {
  run: {
    summary: 'run an experiment here: a local dev server (unless TEMPORAL_ADDRESS is set), a worker, live progress',
    run: (argv) => load<typeof import('./run')>('./run').runCommand(argv),
  },
  start: {
    summary: 'start an experiment on TEMPORAL_ADDRESS and return (workers run elsewhere: `star worker`)',
    run: (argv) => load<typeof import('./start')>('./start').startCommand(argv),
  },
  worker: {
    summary: 'run a worker for the experiment task queue until Ctrl-C',
    run: (argv) => load<typeof import('./worker')>('./worker').workerCommand(argv),
  },
  host: {
    summary: 'run the host worker of one training host (the command trainer, served inference) until Ctrl-C',
    run: (argv) => load<typeof import('./host')>('./host').hostCommand(argv),
  },
  status: {
    summary: "show an experiment's iteration, phase and metrics table (--json for the raw progress)",
    run: (argv) => load<typeof import('./status')>('./status').statusCommand(argv),
  },
  stop: {
    summary: 'finish the running iteration cleanly, then complete the experiment',
    run: (argv) => load<typeof import('./stop')>('./stop').stopCommand(argv),
  },
  extend: {
    summary: "change a running experiment's nIters (more or fewer iterations)",
    run: (argv) => load<typeof import('./extend')>('./extend').extendCommand(argv),
  },
  resume: {
    summary: 'resume a failed experiment from just before its failed step (after fixing the cause)',
    run: (argv) => load<typeof import('./resume')>('./resume').resumeCommand(argv),
  },
  redo: {
    summary: 'run a finished step of an iteration again, and the rest of that iteration (e.g. after an output was lost)',
    run: (argv) => load<typeof import('./redo')>('./redo').redoCommand(argv),
  },
  plan: {
    summary: "validate an input; print the resolved options and each iteration's total_steps",
    run: (argv) => load<typeof import('./plan')>('./plan').planCommand(argv),
  },
  replay: {
    summary: "replay an experiment's recorded runs (or a saved history) against this code before rolling workers",
    run: (argv) => load<typeof import('./replay')>('./replay').replayCommand(argv),
  },
  report: {
    summary: "write an experiment's report (HTML page and PNG charts) from its store; no server needed",
    run: (argv) => load<typeof import('./report')>('./report').reportCommand(argv),
  },
  track: {
    summary: "log an experiment's stored results to its trackers (MLflow, W&B) now: what a tracker that was down missed",
    run: (argv) => load<typeof import('./track')>('./track').trackCommand(argv),
  },
  records: {
    summary: "convert saved STaR text into training records (TFRecords) and an index, as the reference's converter",
    run: (argv) => load<typeof import('./records')>('./records').recordsCommand(argv),
  },
  serve: {
    summary: 'serve an embedded checkpoint behind the OpenAI-compatible API (/v1/models, /v1/completions)',
    run: (argv) => load<typeof import('./serve')>('./serve').serveCommand(argv),
  },
  server: {
    summary: 'start, stop or show the local Temporal dev server that `star run` uses',
    run: (argv) => load<typeof import('./server')>('./server').serverCommand(argv),
  },
};

function help(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'usage: star <command> [options]   (star <command> --help for its options)',
    '',
    ...lines,
    '',
    'Temporal connection (all commands): TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY,',
    'TEMPORAL_TLS_CERT / TEMPORAL_TLS_KEY (mTLS), TEMPORAL_TLS_CA. Without TEMPORAL_ADDRESS, `star run`',
    'starts a local dev server whose state lives in .state/ of the project.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    console.log(help());
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (!command) {
    const near = closestNames(name, Object.keys(commands));
    throw new UsageError(`unknown command "${name}"${near.length > 0 ? `; did you mean ${near.join(', ')}?` : ''}\n\n${help()}`);
  }
  return command.run(rest);
}

/** Runs `star argv...` and returns its exit code; errors the user can fix print one line, others a stack. */
export async function runStar(argv: string[]): Promise<number> {
  try {
    return await main(argv);
  } catch (err) {
    return report(err);
  }
}

function report(err: unknown): number {
  if (err instanceof UsageError || err instanceof NotAvailableError) {
    console.error(`star: ${err.message}`);
    return err.exitCode;
  }
  // Any other input a person must fix (a connection setting, a file): one line, status 2.
  if (err instanceof BadInputError) {
    console.error(`star: ${err.message}`);
    return 2;
  }
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  return 1;
}
