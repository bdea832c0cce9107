/**
 * The trainer as a child process in its own process group. A trainer is rarely one process (`npx`
 * starts node, which starts tsx's node; python starts data loaders), so stopping it means signalling
 * the whole group: SIGTERM first, so it can stop cleanly, then SIGKILL after a grace period.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

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

/** SIGTERM to group `pgid`, SIGKILL to whatever is left after `graceMs`; resolves when it is gone. */
export async function stopProcessGroup(pgid: number, graceMs: number): Promise<void> {
  signalGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (groupAlive(pgid) && Date.now() < deadline) await sleep(100);
  if (groupAlive(pgid)) signalGroup(pgid, 'SIGKILL');
  // A process in uninterruptible sleep dies only when its I/O returns; do not wait for it forever.
  const killDeadline = Date.now() + 30_000;
  while (groupAlive(pgid) && Date.now() < killDeadline) await sleep(50);
}

export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is already gone
  }
}

/**
 * Whether a live (not zombie) process of group `pgid` remains. /proc is read where there is one,
 * because `kill(-pgid, 0)` also counts zombies, which hold no resources and are reaped by init.
 */
export function groupAlive(pgid: number): boolean {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
  return pids.some((pid) => {
    const stat = processStat(pid);
    return stat !== undefined && stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X';
  });
}

/** Live members of group `pgid` (pids), for messages and tests. */
export function groupMembers(pgid: number): number[] {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  return pids
    .filter((pid) => {
      const stat = processStat(pid);
      return stat !== undefined && stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X';
    })
    .map(Number);
}

/**
 * When process `pid` started (clock ticks since boot, /proc/PID/stat field 22): with the pid, it names
 * one process for good, as pids are reused. Undefined when there is no such process (or no /proc).
 */
export function processStartTime(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)" start at field 3 (state), so field 22 is index 19.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  } catch {
    return undefined;
  }
}

function processStat(pid: string): { state: string; pgrp: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // exited meanwhile
  }
  // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after the last ')'.
  const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state, pgrp: Number(pgrp) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
