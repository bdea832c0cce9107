import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createActivities } from '../../activities';
import { parseExperimentInputOrThrow } from '../../contracts/experiment-input';
import { experimentLayout, iterationLayout } from '../../contracts/layout';
import { scratchDir, writeBaseConfig } from '../../test-support/experiment-input';

void describe('prepareExperiment', () => {
  const acts = createActivities();
  const baseModel = join(__dirname, '..', '..', 'pretrained', 'arithmetic-base');
  const prepare = (root: string, baseConfig: string) =>
    acts.prepareExperiment({
      options: parseExperimentInputOrThrow({
        experiment: 'first',
        task: 'arithmetic',
        storageRoot: root,
        baseModelLocation: baseModel,
        baseConfig,
        pRationalization: 0.5,
        gradientAccumulationSteps: 2,
        arithmetic: { trainDigits: [1], devDigits: [1], trainPerDigit: 2, devPerDigit: 2 },
      }),
    });

  void it("writes configs/base.json as the reference's make_first_config does, and iteration 1 copies it", async () => {
    const root = scratchDir('prepare');
    const prepared = await prepare(root, writeBaseConfig(root));
    const layout = experimentLayout(prepared.root, 'first');
    assert.equal(prepared.baseConfigUri, layout.baseConfig);
    const written = JSON.parse(readFileSync(layout.baseConfig.replace(/^file:\/\//, ''), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(written, {
      lr: 0.001,
      warmup_steps: 0,
      ckpt_every: 2,
      per_replica_batch: 2,
      seq: 48,
      name: 'first_0',
      target_save: iterationLayout(prepared.root, 'first', 1).keptText,
      p_rationalization: 0.5,
      gradient_accumulation_steps: 2,
    });
  });

  void it('leaves a missing base config to the config step, which names the field to set', async () => {
    const root = scratchDir('prepare-missing');
    const prepared = await prepare(root, join(root, 'missing.json'));
    assert.equal(prepared.baseConfigUri, `file://${join(root, 'missing.json')}`);
    assert.equal(existsSync(join(root, 'first', 'configs', 'base.json')), false);
  });
});
