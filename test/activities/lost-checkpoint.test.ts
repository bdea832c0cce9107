/**
 * An iteration's final checkpoint lost after its train step finished (weights deleted, manifest
 * left): the steps that sample from it fail naming the command that cures it, `star redo ... --step
 * train` (a `star resume` would find the train step finished and fail the same way).
 */
import assert from 'node:assert/strict';
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { createActivities } from '../../activities';
import { parseExperimentInputOrThrow, type ExperimentOptions } from '../../contracts/experiment-input';
import { iterationLayout } from '../../contracts/layout';
import { scratchDir, tinyExperiment, writeBaseConfig } from '../../test-support/experiment-input';
import { tinyBaseModel } from '../../test-support/tiny-model';

void describe('a lost final checkpoint', { timeout: 180_000 }, () => {
  let root: string;
  let options: ExperimentOptions;
  let checkpoint: string;
  const acts = createActivities({ chunkSize: 4 });

  before(async () => {
    root = scratchDir('lost-checkpoint');
    const baseModel = await tinyBaseModel();
    options = parseExperimentInputOrThrow(tinyExperiment('lost', root, baseModel, writeBaseConfig(root), { shards: 1 }));
    checkpoint = join(root, 'lost', 'models', 'lost_1', 'step_4');
    cpSync(baseModel, checkpoint, { recursive: true });
    const { weightsFile } = JSON.parse(readFileSync(join(checkpoint, 'manifest.json'), 'utf8')) as { weightsFile: string };
    rmSync(join(checkpoint, weightsFile));
  });

  const shardOf = (iteration: number, pass: 'generate' | 'eval') => {
    const it = iterationLayout(root, 'lost', iteration);
    return {
      options,
      datasetDir: '',
      iteration,
      shard: 0,
      shards: 1,
      checkpointUri: checkpoint,
      outputUri: pass === 'eval' ? it.evalShard(0, 1) : it.generateShard(0, 1),
    };
  };

  void it('fails the eval of its iteration naming star redo of its train step', async () => {
    await assert.rejects(acts.evalShard(shardOf(1, 'eval')), (err: Error) => {
      assert.ok(err.message.includes('`star redo lost --iteration 1 --step train`'), err.message);
      assert.ok(err.message.includes(checkpoint), 'names the checkpoint');
      return true;
    });
  });

  void it("fails the next iteration's generation naming the same cure", async () => {
    await assert.rejects(acts.generateShard(shardOf(2, 'generate')), /`star redo lost --iteration 1 --step train`/);
  });
});
