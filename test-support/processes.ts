/**
 * Worker processes for the distributed tests: each a real `node` process (workers/host.ts or
 * workers/main.ts) in its own process group, with its output captured, killed with its group when the
 * test ends or the test process dies.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { groupAlive, signalGroup } from '../processes/process-group';

export const repoRoot = join(__dirname, '..');

export interface WorkerProcess {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Resolves when its output matches `re` (rejects after `ms`, or when it exits first). */
  waitFor(re: RegExp, ms: number): Promise<RegExpMatchArray>;
  /** SIGKILL to the worker process alone (what a crash does; its children are not told). */
  crash(): Promise<void>;
  /** SIGTERM to its group, SIGKILL after 10 s; resolves when the group is gone. */
  stop(): Promise<void>;
}

const live = new Set<WorkerProcess>();
process.once('exit', () => {
  for (const worker of live) signalGroup(worker.pid, 'SIGKILL');
});

export function startWorkerProcess(name: string, script: string, args: string[], env: NodeJS.ProcessEnv): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, script), ...args], {
    cwd: repoRoot,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start ${script}`);
  let text = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    for (const wake of waiters) wake();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  child.once('exit', () => {
    for (const wake of waiters) wake();
  });
  const pid = child.pid;
  const worker: WorkerProcess = {
    name,
    pid,
    child,
    output: () => text,
    waitFor: (re, ms) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${name}: no output matching ${re} within ${ms / 1000} s; it printed:\n${text.slice(-3000)}`));
        }, ms);
        const check = () => {
          const m = re.exec(text);
          if (m) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(m);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            clearTimeout(timer);
            waiters.delete(check);
            reject(new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before printing ${re}:\n${text.slice(-3000)}`));
          }
        };
        waiters.add(check);
        check();
      }),
    crash: async () => {
      child.kill('SIGKILL');
      await waitUntil(() => child.exitCode !== null || child.signalCode !== null, 10_000, `${name} to die`);
    },
    stop: async () => {
      live.delete(worker);
      signalGroup(pid, 'SIGTERM');
      const ok = await waitUntil(() => !groupAlive(pid), 10_000, `${name} to stop`).then(
        () => true,
        () => false,
      );
      if (!ok) signalGroup(pid, 'SIGKILL');
      await waitUntil(() => !groupAlive(pid), 10_000, `${name} to die`);
    },
  };
  live.add(worker);
  return worker;
}

export async function waitUntil(test: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Live processes whose command line contains `needle` (the tests' unique temp paths). */
export function processesMentioning(needle: string): { pid: number; args: string }[] {
  const out: { pid: number; args: string }[] = [];
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (/^\S+ \(.*\) [ZX] /s.test(stat)) continue;
      const args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ');
      if (args.includes(needle)) out.push({ pid: Number(name), args });
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/**
 * A host's working directory, like a trainer checkout (~/STaR with device_train.py): this repo's
 * `model/`, `test/`, `node_modules/`, `package.json` and `tsconfig.json` linked in, so the tests'
 * templates (`npx tsx model/train-cli.ts …`) run there, and the host's copy of the training index
 * (`data/{train_set}`) lands in a temporary folder rather than in the repo.
 */
export function trainerWorkdir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const entry of ['model', 'test', 'node_modules', 'package.json', 'tsconfig.json'])
    symlinkSync(join(repoRoot, entry), join(dir, entry));
  return dir;
}
