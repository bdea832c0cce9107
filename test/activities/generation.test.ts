/**
 * The generation activities outside Temporal (heartbeats are no-ops there) and inside its mock
 * activity context: shard-count invariance, manifests, chunk resume, heartbeats, bad input.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import { loadModel, saveCheckpoint } from '../../model';
import type { ExamplesProgress } from '../../contracts/heartbeats';
import { parseExperimentInputOrThrow, type ExperimentOptions } from '../../contracts/experiment-input';
import { doneUriOf, iterationLayout } from '../../contracts/layout';
import { scratchDir, tinyExperiment, writeBaseConfig } from '../../test-support/experiment-input';
import { tinyBaseModel } from '../../test-support/tiny-model';

void describe('generation activities', { timeout: 180_000 }, () => {
  let root: string;
  let options: ExperimentOptions;
  const acts = createActivities({ chunkSize: 4 });

  before(async () => {
    root = scratchDir('generation');
    const baseModel = await tinyBaseModel();
    options = parseExperimentInputOrThrow(tinyExperiment('gen', root, baseModel, writeBaseConfig(root)));
  });

  /** Runs the generation pass of iteration 1 with K shards into its own folder; returns the kept text. */
  async function generate(K: number, folder: string): Promise<string> {
    const it = iterationLayout(join(root, folder), 'gen', 1);
    const shards = await Promise.all(
      Array.from({ length: K }, (_, shard) =>
        acts.generateShard({
          options,
          datasetDir: '',
          iteration: 1,
          shard,
          shards: K,
          checkpointUri: options.baseModelLocation,
          outputUri: it.generateShard(shard, K),
        }),
      ),
    );
    const merged = await acts.mergeGeneration({
      options,
      iteration: 1,
      shardUris: shards.map((s) => s.outputUri),
      keptTextUri: it.keptText,
      manifestUri: it.done.generate,
    });
    assert.equal(merged.counts.attempted, 12);
    return readFileSync(it.keptText, 'utf8');
  }

  void it('keeps the same examples, in the same order, for any shard count', async () => {
    const one = await generate(1, 'k1');
    const three = await generate(3, 'k3');
    assert.ok(one.length > 0, 'the tiny model keeps some examples');
    assert.equal(three, one);
  });

  void it('returns the stored result without redoing the work once its manifest exists', async () => {
    const it1 = iterationLayout(join(root, 'k1'), 'gen', 1);
    const shard = it1.generateShard(0, 1);
    const manifest = readFileSync(doneUriOf(shard), 'utf8');
    rmSync(shard);
    rmSync(shard.replace(/\.json$/, '.chunks'), { recursive: true });
    const again = await acts.generateShard({
      options,
      datasetDir: '',
      iteration: 1,
      shard: 0,
      shards: 1,
      checkpointUri: options.baseModelLocation,
      outputUri: shard,
    });
    assert.deepEqual(again, (JSON.parse(manifest) as { result: unknown }).result);
    assert.equal(existsSync(shard), false, 'nothing was regenerated');
  });

  void it('resumes after the chunks an earlier attempt saved', async () => {
    const it3 = iterationLayout(join(root, 'k3'), 'gen', 1);
    const shard = it3.generateShard(0, 3);
    const chunk = join(shard.replace(/\.json$/, '.chunks'), 'chunk-0.json');
    // An attempt that crashed after its first chunk: no output, no manifest, one saved chunk.
    rmSync(shard);
    rmSync(doneUriOf(shard));
    const saved = JSON.parse(readFileSync(chunk, 'utf8')) as { result: { kept: { text: string }[] } };
    saved.result.kept = [{ ...saved.result.kept[0], exampleId: 'marker', text: 'from the saved chunk' } as never];
    writeFileSync(chunk, JSON.stringify(saved));
    await acts.generateShard({
      options,
      datasetDir: '',
      iteration: 1,
      shard: 0,
      shards: 3,
      checkpointUri: options.baseModelLocation,
      outputUri: shard,
    });
    const output = JSON.parse(readFileSync(shard, 'utf8')) as { kept: { text: string }[] };
    assert.ok(
      output.kept.some((k) => k.text === 'from the saved chunk'),
      'the saved chunk was used, not recomputed',
    );
  });

  void it('heartbeats the examples done', async () => {
    const env = new MockActivityEnvironment();
    const beats: ExamplesProgress[] = [];
    env.on('heartbeat', (details: ExamplesProgress) => beats.push(details));
    const it1 = iterationLayout(join(root, 'beats'), 'gen', 1);
    await env.run(acts.generateShard, {
      options,
      datasetDir: '',
      iteration: 1,
      shard: 0,
      shards: 1,
      checkpointUri: options.baseModelLocation,
      outputUri: it1.generateShard(0, 1),
    });
    assert.ok(beats.length >= 3);
    assert.deepEqual(beats[beats.length - 1], { kind: 'examples', pass: 'generate', shard: 0, shards: 1, done: 12, total: 12 });
  });

  void it('fails non-retryably, naming the URI, when the checkpoint is missing', async () => {
    const missing = join(root, 'no-such-model');
    const it1 = iterationLayout(join(root, 'missing'), 'gen', 1);
    await assert.rejects(
      acts.generateShard({
        options,
        datasetDir: '',
        iteration: 1,
        shard: 0,
        shards: 1,
        checkpointUri: missing,
        outputUri: it1.generateShard(0, 1),
      }),
      (err: unknown) => {
        assert.ok(err instanceof ApplicationFailure);
        assert.equal(err.nonRetryable, true);
        assert.match(err.message, new RegExp(`${missing}.*manifest\\.json does not exist`));
        return true;
      },
    );
  });

  void it('fails non-retryably, naming the file, on a checkpoint damaged at the same size, and runs once it is restored', async () => {
    // A copy of the base model saved now, so its manifest records the digests of its files.
    const copy = join(root, 'damaged-model');
    const model = await loadModel(options.baseModelLocation);
    await saveCheckpoint(model, copy, { step: model.step });
    model.dispose();
    const weights = join(copy, 'weights.bin');
    const good = readFileSync(weights);
    writeFileSync(weights, Buffer.alloc(good.length));
    const it1 = iterationLayout(join(root, 'damaged'), 'gen', 1);
    const shard = it1.generateShard(0, 1);
    const run = () =>
      acts.generateShard({ options, datasetDir: '', iteration: 1, shard: 0, shards: 1, checkpointUri: copy, outputUri: shard });
    await assert.rejects(run(), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.nonRetryable, true);
      assert.match(err.message, new RegExp(`${weights} is damaged.*Restore the file`));
      return true;
    });
    assert.equal(existsSync(doneUriOf(shard)), false, 'no completion manifest: a later attempt generates again');
    writeFileSync(weights, good);
    const restored = await run();
    assert.ok(restored.counts.kept > 0, 'the restored model keeps examples');
  });
});
