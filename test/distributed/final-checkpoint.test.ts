import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { completedCheckpoint, finalCheckpointUri } from '../../host/final-checkpoint';
import { joinUri, normaliseRoot, writeBytes, writeJson } from '../../storage';

const modelDir = () => joinUri(normaliseRoot(mkdtempSync(join(tmpdir(), 'final-ckpt-'))), 'models', 'exp_1');

void describe('final checkpoint', () => {
  void it('is complete when the embedded trainer wrote step_N/manifest.json', async () => {
    const dir = modelDir();
    await writeJson(joinUri(finalCheckpointUri(dir, 40), 'manifest.json'), { step: 40 });
    assert.equal(await completedCheckpoint(dir, 40), 'manifest.json');
  });

  void it("is complete when the reference's meta.json lists total_steps", async () => {
    const dir = modelDir();
    await writeBytes(joinUri(dir, 'step_40', 'shard_0', '0.npz'), 'weights');
    await writeJson(joinUri(dir, 'meta.json'), { step: 40, checkpoints: [21, 40], aux: {} });
    assert.equal(await completedCheckpoint(dir, 40), 'meta.json');
  });

  void it('is complete when step_N holds a LoRA adapter alone (lora.save "adapter") and meta.json lists it', async () => {
    const dir = modelDir();
    await writeJson(joinUri(dir, 'step_6', 'adapter_config.json'), { peft_type: 'LORA', r: 8 });
    await writeBytes(joinUri(dir, 'step_6', 'adapter_model.safetensors'), 'adapter');
    await writeJson(joinUri(dir, 'meta.json'), { step: 6, checkpoints: [6] });
    assert.equal(await completedCheckpoint(dir, 6), 'meta.json');
  });

  void it('is not complete when step_N holds files but no trainer marked it done', async () => {
    const dir = modelDir();
    await writeBytes(joinUri(dir, 'step_40', 'weights.bin'), 'half');
    await writeJson(joinUri(dir, 'meta.json'), { step: 21, checkpoints: [21], aux: {} });
    assert.equal(await completedCheckpoint(dir, 40), undefined);
  });

  void it('is not complete for an earlier step of the same folder', async () => {
    const dir = modelDir();
    await writeJson(joinUri(finalCheckpointUri(dir, 20), 'manifest.json'), { step: 20 });
    assert.equal(await completedCheckpoint(dir, 40), undefined);
  });
});
