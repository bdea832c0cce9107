import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../activities';
import { parseExperimentInputOrThrow } from '../../workflows/input';
import { scratchDir, writeBaseConfig } from '../workflows/fixtures/experiment-input';

void describe('writeIterationConfig', () => {
  const acts = createActivities();
  const root = scratchDir('config');
  const base = writeBaseConfig(root);
  const request = (overrides: Record<string, unknown>, examples: number, file: string) => ({
    options: parseExperimentInputOrThrow({ experiment: 'cfg', task: 'arithmetic', ...overrides }),
    iteration: 3,
    previousConfigUri: base,
    configUri: join(root, `${file}.json`),
    manifestUri: join(root, `${file}.done.json`),
    examples,
    indexUri: join(root, 'cfg_3.index'),
    modelDir: join(root, 'models', 'cfg_3'),
    targetSave: join(root, 'records', 'cfg_3', 'cfg_3.txt'),
  });

  void it('copies the previous config and sets the epoch rule\'s total_steps and the reference\'s fields', async () => {
    // epochs = 1 + 0.2 * 2 = 1.4; int(1000 * 1.4 // (8 * 10)) = 17
    const result = await acts.writeIterationConfig(request({}, 1000, 'epoch'));
    assert.equal(result.totalSteps, 17);
    const config = JSON.parse(readFileSync(join(root, 'epoch.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(config.total_steps, 17);
    assert.equal(config.name, 'cfg_3');
    assert.equal(config.lr, 0.001);
    assert.equal(config.gradient_accumulation_steps, 8);
    assert.equal(config.p_rationalization, 1);
  });

  void it('fails non-retryably, saying what to change, when the epoch rule gives 0 steps', async () => {
    await assert.rejects(acts.writeIterationConfig(request({}, 30, 'zero')), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.nonRetryable, true);
      assert.match(err.message, /0 training steps/);
      assert.match(err.message, /keep more examples|steady\/exponential/);
      return true;
    });
  });
});
