import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { BadInputError } from '../../core/errors';
import { CheckpointCorruptError, CheckpointError, createModel, initBackend, loadModel, readManifest, saveCheckpoint } from '../../model';
import { loadOptimizerState } from '../../model/checkpoint';
import { TINY, tempDir } from './fixtures';

void describe('embedded model checkpoints', () => {
  before(async () => {
    await initBackend(() => {});
  });

  void it('round-trips weights, config, step and tokenizer', async () => {
    const dir = join(tempDir(), 'ckpt');
    const model = createModel(TINY, { seed: 7 });
    await saveCheckpoint(model, dir, { step: 12 });
    const loaded = await loadModel(dir);
    assert.deepEqual(loaded.config, model.config);
    assert.equal(loaded.step, 12);
    assert.equal(loaded.tokenizer.name, 'arithmetic');
    assert.equal(loaded.weights.length, model.weights.length);
    loaded.weights.forEach((w, i) => {
      assert.equal(w.name, model.weights[i].name);
      assert.deepEqual(w.shape, model.weights[i].shape);
      assert.deepEqual(w.data, model.weights[i].data);
    });
    const manifest = await readManifest(dir);
    assert.equal(manifest.tensors[0].dtype, 'float32');
    assert.equal(manifest.byteOrder, 'little');
    loaded.dispose();
    model.dispose();
  });

  void it('initialises the same weights from the same seed and different ones from another', () => {
    const a = createModel(TINY, { seed: 1 });
    const b = createModel(TINY, { seed: 1 });
    const c = createModel(TINY, { seed: 2 });
    assert.deepEqual(a.weights[0].data, b.weights[0].data);
    assert.notDeepEqual(a.weights[0].data, c.weights[0].data);
  });

  void it('names the missing manifest when the checkpoint URI is wrong', async () => {
    const dir = join(tempDir(), 'nothing-here');
    await assert.rejects(loadModel(dir), (err: Error) => {
      assert.ok(err instanceof CheckpointError && err instanceof BadInputError, `bad input, not retried: got ${err.name}`);
      assert.match(err.message, /nothing-here is not a checkpoint: .*manifest\.json does not exist/);
      return true;
    });
  });

  void it('explains a malformed manifest field by field', async () => {
    const dir = join(tempDir(), 'bad');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ format: 'star-embedded-checkpoint', version: 1, step: -1 }));
    await assert.rejects(
      loadModel(dir),
      (err: Error) => err instanceof CheckpointError && /manifest\.json is malformed:[\s\S]*step/.test(err.message),
    );
  });

  void it('rejects a weights file that is too short', async () => {
    const dir = join(tempDir(), 'short');
    const model = createModel(TINY, { seed: 3 });
    await saveCheckpoint(model, dir, { step: 0 });
    writeFileSync(join(dir, 'weights.bin'), Buffer.alloc(16));
    await assert.rejects(loadModel(dir), /weights\.bin (is damaged|.*does not fit the file)/);
  });

  void it('rejects configs whose width does not split into the heads', () => {
    assert.throws(() => createModel({ ...TINY, d_model: 30, n_heads: 4 }), /d_model 30 must be divisible by n_heads 4/);
  });

  void it('refuses weights or optimizer moments damaged at the same size, naming the file', async () => {
    const model = createModel(TINY, { seed: 3 });
    for (const [file, damage] of [
      ['weights.bin', (b: Buffer) => b.fill(0)],
      ['weights.bin', (b: Buffer) => b.reverse()],
      ['optimizer.bin', (b: Buffer) => b.fill(7, 0, 16)],
    ] as const) {
      const dir = join(tempDir(), 'damaged');
      const moments = model.weights.map((w) => new Float32Array(w.data.length).fill(0.5));
      await saveCheckpoint(model, dir, { step: 4, optimizer: { m: moments, v: moments, updates: 4 } });
      const path = join(dir, file);
      writeFileSync(path, damage(readFileSync(path)));
      const load = async () => {
        const loaded = await loadModel(dir);
        loaded.dispose();
        await loadOptimizerState(dir, await readManifest(dir));
      };
      await assert.rejects(load(), (err: Error) => {
        assert.ok(err instanceof CheckpointCorruptError);
        assert.match(err.message, new RegExp(`${path} is damaged`));
        return true;
      });
    }
    model.dispose();
  });
});
