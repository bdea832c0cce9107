/**
 * The experiment's `completionStop`: accepted for the embedded model and a server's completions API, part of a shard's input
 * key only when it stops something, and handed to the sampler as the pass's task reads answers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { completionStopRule } from '../../activities/sampler';
import { shardSampling } from '../../activities/shard-sampler';
import type { ActivityDeps } from '../../activities/deps';
import type { ShardInput } from '../../contracts/activities';
import { parseExperimentInput, parseExperimentInputOrThrow, type ExperimentInput } from '../../contracts/experiment-input';
import { commonsenseQaTask } from '../../dataset-files';
import { arithmeticTask, type Task } from '../../core';

const minimal: ExperimentInput = { experiment: 'stop', datasetDir: 'data' };

function keyOf(input: ExperimentInput): Record<string, unknown> {
  const options = parseExperimentInputOrThrow(input);
  const shard = { options, datasetDir: 'data', iteration: 1, shard: 0, shards: 1, checkpointUri: 'ckpt', outputUri: 'out' } as ShardInput;
  return shardSampling({} as ActivityDeps, shard, 0).key;
}

void describe('completionStop', () => {
  const server = { ...minimal, inference: 'openai', inferenceUrl: 'http://127.0.0.1:8000' } as const;

  void it('is taken through a server on the completions API, and refused with chat or the simulation, saying why and what to do', () => {
    assert.equal(parseExperimentInput({ ...server, completionStop: { repeatedLines: 3 } }).ok, true);
    const chat = parseExperimentInput({ ...server, inferenceApi: 'chat', completionStop: { repeatedLines: 3 } });
    assert.equal(chat.ok, false);
    assert.match(chat.ok ? '' : chat.message, /streams the completions API only.*drop completionStop, or use inferenceApi "completions"/);
    const simulated = parseExperimentInput({ ...minimal, inference: 'simulated', completionStop: { repeatedTail: 32 } });
    assert.equal(simulated.ok, false);
    assert.match(simulated.ok ? '' : simulated.message, /the simulation writes none: drop completionStop/);
  });

  void it("enters a server shard's key only when it stops something", () => {
    const plain = keyOf(server);
    assert.equal(plain.completionStop, undefined);
    assert.deepEqual(keyOf({ ...server, completionStop: { afterAnswer: false } }), plain);
    assert.deepEqual(keyOf({ ...server, completionStop: { repeatedTail: 32 } }), {
      ...plain,
      completionStop: { afterAnswer: false, repeatedTail: 32 },
    });
  });

  void it('refuses a repeatedLines below 2 (one line is no loop)', () => {
    assert.equal(parseExperimentInput({ ...minimal, completionStop: { repeatedLines: 1 } }).ok, false);
  });

  void it('keeps the shard key of runs without it when it stops nothing', () => {
    assert.deepEqual(keyOf(minimal), {});
    assert.deepEqual(keyOf({ ...minimal, completionStop: { afterAnswer: false } }), {});
  });

  void it('enters the shard key when it stops something, so shards sampled without it are not reused', () => {
    assert.deepEqual(keyOf({ ...minimal, completionStop: { repeatedLines: 3 } }), {
      completionStop: { afterAnswer: false, repeatedLines: 3 },
    });
    assert.notDeepEqual(keyOf({ ...minimal, completionStop: { afterAnswer: true } }), keyOf(minimal));
  });

  void it("gives the sampler the pass's task's reading, and a task file's stop strings", () => {
    const options = parseExperimentInputOrThrow({ ...minimal, completionStop: { afterAnswer: true, repeatedLines: 4 } });
    assert.deepEqual(completionStopRule(options, commonsenseQaTask), { afterAnswer: { task: 'commonsenseqa' }, repeatedLines: 4 });
    const tail = parseExperimentInputOrThrow({ ...minimal, completionStop: { repeatedTail: 48 } });
    assert.deepEqual(completionStopRule(tail, commonsenseQaTask), { repeatedTail: 48 });
    const file = { ...arithmeticTask, name: 'file', stopStrings: ['\n\n'] } as Task;
    assert.deepEqual(completionStopRule(options, file), { afterAnswer: { task: 'file', taskStops: ['\n\n'] }, repeatedLines: 4 });
    assert.equal(completionStopRule(parseExperimentInputOrThrow(minimal), commonsenseQaTask), undefined);
  });
});
