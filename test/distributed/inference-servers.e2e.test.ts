/**
 * The host's inference servers (`serveCommandTemplate`) as real process groups: started and waited
 * for, stopped once unused, a start-up failure reported with the tail of its log, and a server left
 * by a killed host worker stopped by the next one.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { InferenceServers } from '../../host/inference-servers';
import { groupAlive } from '../../processes/process-group';
import { scratchDir } from '../../test-support/experiment-input';
import { tinyBaseModel } from '../../test-support/tiny-model';
import { repoRoot, waitUntil } from '../../test-support/processes';

const SERVE = `${process.execPath} ${join(repoRoot, 'bin', 'star.js')} serve --checkpoint {checkpoint} --port {port} --host {host}`;

void describe('inference servers on a host', { timeout: 180_000 }, () => {
  const dir = scratchDir('servers');
  const pool = (lingerMs = 100) =>
    new InferenceServers({
      host: 'h',
      workdir: repoRoot,
      stateDir: join(dir, 'state'),
      killGraceMs: 2000,
      env: process.env,
      say: () => undefined,
      lingerMs,
    });
  const note = join(dir, 'state', 'host-h.server.json');
  const pgidOf = () => (JSON.parse(readFileSync(note, 'utf8')) as { pgid: number }).pgid;

  void it('serves a checkpoint until no shard needs it, then stops its process group', async () => {
    const servers = pool();
    const served = await servers.acquire({ checkpointUri: await tinyBaseModel(), template: SERVE, startTimeoutMs: 120_000, logDir: dir });
    const models = (await (await fetch(`${served.url}/models`)).json()) as { data: { id: string }[] };
    assert.deepEqual(
      models.data.map((m) => m.id),
      ['star'],
    );
    const pgid = pgidOf();
    assert.ok(groupAlive(pgid));
    served.release();
    await waitUntil(() => !groupAlive(pgid) && !existsSync(note), 30_000, 'the unused server to stop and its note to go');
    assert.match(readFileSync(join(dir, 'serve-h.log'), 'utf8'), /listening on http:\/\/127\.0\.0\.1/);
  });

  void it('fails with the tail of its log when the command exits before serving', async () => {
    const failing = `${process.execPath} -e "console.error('no such model at ' + process.argv[1]); process.exit(2)" {checkpoint} {port}`;
    const err = await pool()
      .acquire({ checkpointUri: '/models/missing', template: failing, startTimeoutMs: 60_000, logDir: dir })
      .catch((e: unknown) => e);
    assert.ok(err instanceof ApplicationFailure, String(err));
    assert.equal(err.nonRetryable, true, 'status 2 is a usage error');
    assert.match(err.message, /exited with status 2 before .*\/models answered/);
    assert.match(err.message, /no such model at \/models\/missing/);
  });

  void it('stops a server that a killed host worker left running', async () => {
    const first = pool(60_000);
    await first.acquire({ checkpointUri: await tinyBaseModel(), template: SERVE, startTimeoutMs: 120_000, logDir: dir });
    const pgid = pgidOf();
    // The worker that started it is gone without stopping it; the next one on this host starts.
    await pool().stopLeftover();
    assert.equal(groupAlive(pgid), false);
    assert.equal(existsSync(note), false);
  });
});
