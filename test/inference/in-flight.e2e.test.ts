/**
 * A shard sampling through a server keeps `inferenceConcurrency` requests in flight across its
 * chunks: the next chunk's requests fill the slots the previous chunk's last ones leave, counted at
 * the server (test/inference/held-server.ts answers only when the client has filled every slot, so
 * the count does not depend on timing). The texts and seeds are those of one chunk at a time.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createActivities } from '../../activities';
import { parseExperimentInputOrThrow } from '../../contracts/experiment-input';
import { iterationLayout } from '../../contracts/layout';
import { scratchDir, tinyExperiment, writeBaseConfig } from '../../test-support/experiment-input';
import { startHeldServer, type HeldServer } from './held-server';

const CONCURRENCY = 4;
const DEV = 40;
const CHUNK = 8;

void describe('requests in flight across chunks', { timeout: 120_000 }, () => {
  let root: string;
  let held: HeldServer;

  before(async () => {
    root = scratchDir('in-flight');
    held = await startHeldServer(CONCURRENCY, DEV);
  });
  after(async () => {
    await held?.close();
  });

  const evalThrough = async (url: string, folder: string, chunkSize: number) => {
    const options = parseExperimentInputOrThrow(
      tinyExperiment('flight', root, join(root, 'no-model'), writeBaseConfig(root), {
        inference: 'openai',
        inferenceUrl: url,
        inferenceConcurrency: CONCURRENCY,
        arithmetic: { trainDigits: [1], devDigits: [1, 2], trainPerDigit: 4, devPerDigit: DEV / 2 },
      }),
    );
    const it = iterationLayout(join(root, folder), 'flight', 1);
    const acts = createActivities({ chunkSize });
    return acts.evalShard({
      options,
      datasetDir: '',
      iteration: 1,
      shard: 0,
      shards: 1,
      checkpointUri: 'unused',
      outputUri: it.evalShard(0, 1),
    });
  };

  let pipelinedTally: unknown;

  void it('stays at the concurrency until the last requests, and never above it', async () => {
    pipelinedTally = (await evalThrough(held.url, 'pipelined', CHUNK)).tally;
    const { record } = held;
    assert.equal(record.stalled, false, `the server waited for a request that did not come: ${record.inFlightAtAnswer.join(' ')}`);
    assert.equal(record.received.length, DEV);
    assert.equal(record.maxInFlight, CONCURRENCY);
    // Every answer but the pass's last few found every slot full, at the chunks' ends too.
    const expected = Array.from({ length: DEV }, (_, i) => Math.min(CONCURRENCY, DEV - i));
    assert.deepEqual(record.inFlightAtAnswer, expected);
  });

  void it('sends the same prompts with the same seeds, and counts the same, as one chunk the size of the pass', async () => {
    const whole = await startHeldServer(CONCURRENCY, DEV);
    try {
      const tally = (await evalThrough(whole.url, 'whole', DEV)).tally;
      const sorted = (list: { prompt: string; seed: number }[]) =>
        [...list].sort((a, b) => a.prompt.localeCompare(b.prompt) || a.seed - b.seed);
      assert.deepEqual(sorted(held.record.received), sorted(whole.record.received));
      assert.deepEqual(pipelinedTally, tally);
    } finally {
      await whole.close();
    }
  });
});
