/**
 * Children that run in their own process group (the dev server, a trainer, a test's emulator): a
 * program is rarely one process (`npx` starts node, python starts data loaders), so stopping it means
 * signalling the whole group, SIGTERM first so it can stop cleanly, then SIGKILL after a grace period.
 * /proc is read where there is one, because `kill(-pgid, 0)` also counts zombies, which hold no
 * resources (nor ports) and are reaped by init.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** SIGTERM to group `pgid`, SIGKILL to whatever is left after `graceMs`; resolves when it is gone. */
export async function stopProcessGroup(pgid: number, graceMs = 10_000): Promise<void> {
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

/** Whether a live (not zombie) process of group `pgid` remains. */
export function groupAlive(pgid: number): boolean {
  const pids = procPids();
  if (pids === undefined) {
    // No /proc (macOS): ask the kernel, zombies included.
    try {
      process.kill(-pgid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
  return pids.some((pid) => liveInGroup(pid, pgid));
}

/** Whether process `pid` is alive (a zombie, exited but not yet reaped by its parent, is not). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  const stat = processStat(String(pid));
  // No /proc (macOS): trust kill(0).
  return stat === undefined ? existsProc() === false : stat.state !== 'Z' && stat.state !== 'X';
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

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

function procPids(): string[] | undefined {
  try {
    return readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
}

function existsProc(): boolean {
  return procPids() !== undefined;
}

function liveInGroup(pid: string, pgid: number): boolean {
  const stat = processStat(pid);
  return stat !== undefined && stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X';
}

function processStat(pid: string): { state: string; pgrp: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // exited meanwhile, or no /proc
  }
  // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after the last ')'.
  const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state, pgrp: Number(pgrp) };
}
