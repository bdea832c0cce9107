/**
 * `star run` end to end, as a user runs it: the real command in a child process, its own dev server
 * in a temporary state folder on a free port (never 7233, where a user's `star run` may be), an
 * in-process worker, the tiny embedded model. Then Ctrl-C in the middle, and the same command again,
 * which re-attaches and finishes. The experiment asks for 999 iterations, so however fast the machine
 * it is still running when the Ctrl-C comes; the second run ends it with `star stop`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readServerRecord, stopDevServer } from '../../cli/dev-server';
import { processAlive } from '../../processes/process-group';
import { tinyBaseModel } from '../../test-support/tiny-model';
import { tinyExperiment, writeBaseConfig } from '../../test-support/experiment-input';

const bin = join(__dirname, '..', '..', 'bin', 'star.js');

interface Run {
  code: number | null;
  out: string;
}

/** The environment of every `star` the tests run: its own state folder and a free port. */
function starEnv(stateDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, STAR_STATE_DIR: stateDir, STAR_DEV_SERVER_PORT: 'any' };
  delete env.TEMPORAL_ADDRESS; // its own dev server, whatever the shell says
  return env;
}

/** Starts `star run`; once the output matches `when`, calls `then` (once) with the process. */
function starRun(args: string[], stateDir: string, when?: RegExp, then?: (child: ReturnType<typeof spawn>) => void): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, 'run', '--headless', ...args], {
      env: starEnv(stateDir),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let fired = false;
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (when && then && !fired && when.test(out)) {
        fired = true;
        then(child);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, out });
    });
  });
}

void describe('star run', { timeout: 600_000 }, () => {
  let dir: string;
  let stateDir: string;
  let inputFile: string;
  /** Iterations the stopped experiment completed. */
  let completed = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'star-run-'));
    stateDir = join(dir, 'state');
    const baseModel = await tinyBaseModel();
    const input = tinyExperiment('cli-run', join(dir, 'runs'), baseModel, writeBaseConfig(dir), { nIters: 1000, shards: 1 });
    inputFile = join(dir, 'experiment.json');
    writeFileSync(inputFile, JSON.stringify(input));
  });
  after(async () => {
    await stopDevServer(stateDir);
    rmSync(dir, { recursive: true, force: true });
  });

  void it('stops the worker and the dev server on Ctrl-C and leaves the experiment resumable', async () => {
    const run = await starRun(['--input', inputFile], stateDir, /cli-run: iteration \d+ of 999, /, (child) => child.kill('SIGINT'));
    assert.equal(run.code, 130, run.out);
    assert.match(run.out, /Started experiment cli-run/);
    assert.match(run.out, /Run the same `star run` again to resume it/);
    assert.equal(readServerRecord(stateDir), undefined, 'the dev server it started is stopped');
    assert.ok(existsSync(join(stateDir, 'temporal.db')), 'its database stays');
  });

  void it('re-attaches to the running experiment on the next run and finishes it', async () => {
    assert.equal(readServerRecord(stateDir), undefined);
    let stop: ReturnType<typeof spawnSync> | undefined;
    // Once attached, `star stop` (a signal, kept by the server): the running iteration finishes, then the experiment.
    const run = await starRun(['--input', inputFile], stateDir, /Experiment cli-run is already running .*attaching/, () => {
      stop = spawnSync(process.execPath, [bin, 'stop', 'cli-run'], { env: starEnv(stateDir), encoding: 'utf8' });
    });
    assert.equal(stop?.status, 0, `star stop: ${String(stop?.stderr)}`);
    assert.equal(run.code, 0, run.out);
    assert.match(run.out, /Experiment cli-run is already running .*attaching/);
    const stopped = /Experiment cli-run stopped after (\d+) iterations?/.exec(run.out);
    assert.ok(stopped, run.out);
    const iterations = Number(stopped[1]);
    assert.ok(iterations >= 1);
    completed = iterations;
    assert.match(run.out, /^\s*iter\s+kept\s+rationalized\s+steps\s+1-digit\s+overall\s+time$/m);
    assert.match(run.out, /^\s*1\s+\d+\s+\d+\s+4\s/m);
    assert.ok(existsSync(join(dir, 'runs', 'cli-run', 'metrics', `cli-run_${iterations}.json`)));
    const page = join(dir, 'runs', 'cli-run', 'report', 'index.html');
    assert.match(
      run.out,
      new RegExp(`^Report: ${page.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `, 'm'),
      'the report of the finished run is printed',
    );
    assert.ok(existsSync(join(dir, 'runs', 'cli-run', 'report', 'accuracy.png')));
    assert.match(readFileSync(page, 'utf8'), new RegExp(`${iterations} iterations? finished`));
    assert.equal(readServerRecord(stateDir), undefined, 'the dev server it started is stopped');
  });

  void it('says so when the experiment has already completed', async () => {
    // The same input with the nIters the stopped run reached: nothing left to do.
    const done = join(dir, 'completed.json');
    writeFileSync(done, JSON.stringify({ ...(JSON.parse(readFileSync(inputFile, 'utf8')) as object), nIters: completed + 1 }));
    const run = await starRun(['--input', done], stateDir);
    assert.equal(run.code, 0, run.out);
    assert.match(run.out, /Experiment cli-run has completed/);
    assert.match(run.out, /^Report: .*index\.html$/m, "a completed experiment's report is refreshed and named");
    const record = readServerRecord(stateDir);
    assert.ok(record === undefined || !processAlive(record.pid));
  });
});
