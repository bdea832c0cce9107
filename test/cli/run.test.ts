/**
 * `star run` end to end, as a user runs it: the real command in a child process, its own dev server
 * in a temporary state folder, an in-process worker, the tiny embedded model. Then Ctrl-C in the
 * middle, and the same command again, which re-attaches and finishes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readServerRecord, stopDevServer } from '../../cli/dev-server';
import { processAlive } from '../../core/process-group';
import { tinyBaseModel } from '../workflows/fixtures/tiny-model';
import { tinyExperiment, writeBaseConfig } from '../workflows/fixtures/experiment-input';

const bin = join(__dirname, '..', '..', 'bin', 'star.js');

interface Run {
  code: number | null;
  out: string;
}

/** Starts `star run`; `interruptWhen` sends SIGINT (Ctrl-C) once the output matches it. */
function starRun(args: string[], stateDir: string, interruptWhen?: RegExp): Promise<Run> {
  return new Promise((done, fail) => {
    const env: NodeJS.ProcessEnv = { ...process.env, STAR_STATE_DIR: stateDir };
    delete env.TEMPORAL_ADDRESS; // its own dev server, whatever the shell says
    const child = spawn(process.execPath, [bin, 'run', '--headless', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let interrupted = false;
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (interruptWhen && !interrupted && interruptWhen.test(out)) {
        interrupted = true;
        child.kill('SIGINT');
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

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'star-run-'));
    stateDir = join(dir, 'state');
    const baseModel = await tinyBaseModel();
    const input = tinyExperiment('cli-run', join(dir, 'runs'), baseModel, writeBaseConfig(dir), { nIters: 3, shards: 1 });
    inputFile = join(dir, 'experiment.json');
    writeFileSync(inputFile, JSON.stringify(input));
  });
  after(async () => {
    await stopDevServer(stateDir);
    rmSync(dir, { recursive: true, force: true });
  });

  void it('stops the worker and the dev server on Ctrl-C and leaves the experiment resumable', async () => {
    const run = await starRun(['--input', inputFile], stateDir, /cli-run: iteration 1 of 2, (generating|records|config|training)/);
    assert.equal(run.code, 130, run.out);
    assert.match(run.out, /Started experiment cli-run/);
    assert.match(run.out, /Run the same `star run` again to resume it/);
    assert.equal(readServerRecord(stateDir), undefined, 'the dev server it started is stopped');
    assert.ok(existsSync(join(stateDir, 'temporal.db')), 'its database stays');
  });

  void it('re-attaches to the running experiment on the next run and finishes it', async () => {
    assert.equal(readServerRecord(stateDir), undefined);
    const run = await starRun(['--input', inputFile], stateDir);
    assert.equal(run.code, 0, run.out);
    assert.match(run.out, /Experiment cli-run is already running .*attaching/);
    assert.match(run.out, /Experiment cli-run finished after 2 iterations/);
    assert.match(run.out, /^\s*iter\s+kept\s+rationalized\s+steps\s+1-digit\s+overall\s+time$/m);
    assert.match(run.out, /^\s*1\s+\d+\s+\d+\s+4\s/m);
    assert.match(run.out, /^\s*2\s+\d+\s+\d+\s+6\s/m);
    assert.ok(existsSync(join(dir, 'runs', 'cli-run', 'metrics', 'cli-run_2.json')));
    const page = join(dir, 'runs', 'cli-run', 'report', 'index.html');
    assert.match(run.out, new RegExp(`^Report: ${page.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `, 'm'), 'the report of the finished run is printed');
    assert.ok(existsSync(join(dir, 'runs', 'cli-run', 'report', 'accuracy.png')));
    assert.match(readFileSync(page, 'utf8'), /2 iterations finished/);
    assert.equal(readServerRecord(stateDir), undefined, 'the dev server it started is stopped');
  });

  void it('says so when the experiment has already completed', async () => {
    const run = await starRun(['--input', inputFile], stateDir);
    assert.equal(run.code, 0, run.out);
    assert.match(run.out, /Experiment cli-run has completed/);
    assert.match(run.out, /^Report: .*index\.html$/m, 'a completed experiment\'s report is refreshed and named');
    const record = readServerRecord(stateDir);
    assert.ok(record === undefined || !processAlive(record.pid));
  });
});
