/**
 * `star run` when the dev server it started dies mid-run: it says so at once, starts the server again
 * with the same state, and the experiment goes on by itself. The experiment asks for 999 iterations,
 * so it is running when the server is killed; once the server is back, `star stop` ends it.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readServerRecord, stopDevServer } from '../../cli/dev-server';
import { tinyExperiment, writeBaseConfig } from '../../test-support/experiment-input';
import { tinyBaseModel } from '../../test-support/tiny-model';

const bin = join(__dirname, '..', '..', 'bin', 'star.js');

void describe('star run when its dev server dies', { timeout: 600_000 }, () => {
  let dir: string;
  let stateDir: string;
  let inputFile: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'star-server-death-'));
    stateDir = join(dir, 'state');
    env = { ...process.env, STAR_STATE_DIR: stateDir, STAR_DEV_SERVER_PORT: 'any' };
    delete env.TEMPORAL_ADDRESS;
    const input = tinyExperiment('server-death', join(dir, 'runs'), await tinyBaseModel(), writeBaseConfig(dir), {
      nIters: 1000,
      shards: 1,
    });
    inputFile = join(dir, 'experiment.json');
    writeFileSync(inputFile, JSON.stringify(input));
  });
  after(async () => {
    await stopDevServer(stateDir);
    rmSync(dir, { recursive: true, force: true });
  });

  void it('tells the user, starts the server again with the same state, and goes on', async () => {
    const child = spawn(process.execPath, [bin, 'run', '--headless', '--input', inputFile], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let killed = false;
    let stopped = false;
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (!killed && /server-death: iteration \d+ of 999, /.test(out)) {
        killed = true;
        const record = readServerRecord(stateDir);
        assert.ok(record, 'the dev server is recorded');
        process.kill(-record.pid, 'SIGKILL');
      }
      if (killed && !stopped && /answers again; going on/.test(out)) {
        stopped = true;
        const stop = spawnSync(process.execPath, [bin, 'stop', 'server-death'], { env, encoding: 'utf8' });
        assert.equal(stop.status, 0, stop.stderr);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => child.kill('SIGKILL'), 480_000);
    const code = await new Promise<number | null>((done) => child.on('close', done));
    clearTimeout(timer);
    assert.match(
      out,
      /The Temporal server at 127\.0\.0\.1:\d+ is not answering: the dev server this star run started has stopped; starting it again with the same state/,
    );
    assert.match(out, /Started the dev server again at 127\.0\.0\.1:\d+/);
    assert.match(out, /answers again; going on/);
    assert.equal(code, 0, out);
    assert.match(out, /Experiment server-death stopped after \d+ iterations?/);
  });
});
