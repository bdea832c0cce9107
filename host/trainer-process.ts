/**
 * The trainer as a child process in its own process group. A trainer is rarely one process (`npx`
 * starts node, which starts tsx's node; python starts data loaders), so stopping it means signalling
 * the whole group: SIGTERM first, so it can stop cleanly, then SIGKILL after a grace period.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { signalGroup, stopProcessGroup } from '../processes/process-group';

export interface TrainerProcessOptions {
  argv: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Called with every complete output line (stdout and stderr, in arrival order per stream). */
  onLine: (line: string, stream: 'stdout' | 'stderr') => void;
}

export interface TrainerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class TrainerProcess {
  readonly pid: number;
  readonly exited: Promise<TrainerExit>;
  private readonly child: ChildProcess;

  private constructor(child: ChildProcess, exited: Promise<TrainerExit>) {
    this.child = child;
    this.pid = child.pid as number;
    this.exited = exited;
  }

  /** Starts the command; rejects with the spawn error (ENOENT, EACCES) if it cannot start at all. */
  static async start(options: TrainerProcessOptions): Promise<TrainerProcess> {
    const [file, ...args] = options.argv;
    // detached: a new process group led by the child, so the group can be signalled as a whole and a
    // Ctrl-C meant for the worker's terminal does not reach the trainer behind the worker's back.
    const child = spawn(file, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    // 'close' (the pipes are drained) normally follows 'exit' at once; a process that escaped the group
    // could hold the pipes open forever, so the exit counts after a short wait for the last output.
    const exited = new Promise<TrainerExit>((resolve) => {
      child.once('close', (code, signal) => resolve({ code, signal }));
      child.once('exit', (code, signal) => {
        setTimeout(() => resolve({ code, signal }), 5000).unref();
      });
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', reject);
    });
    child.on('error', () => {
      // After a successful spawn, errors are about signalling an exited child; `close` still follows.
    });
    forEachLine(child.stdout, (line) => options.onLine(line, 'stdout'));
    forEachLine(child.stderr, (line) => options.onLine(line, 'stderr'));
    return new TrainerProcess(child, exited);
  }

  /** SIGTERM to the group, SIGKILL to whatever is left after `graceMs`; resolves when the group is gone. */
  async stop(graceMs: number): Promise<void> {
    await stopProcessGroup(this.pid, graceMs);
    await this.exited;
  }

  /** Kills the group at once (the worker is going down and cannot wait). */
  killNow(): void {
    signalGroup(this.pid, 'SIGKILL');
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
}

function forEachLine(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (!stream) return;
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    rest += chunk;
    // Progress bars rewrite one line with \r; each rewrite counts as a line.
    const parts = rest.split(/\r\n|\n|\r/);
    rest = parts.pop() ?? '';
    for (const part of parts) onLine(part);
  });
  stream.on('end', () => {
    if (rest) onLine(rest);
    rest = '';
  });
}
