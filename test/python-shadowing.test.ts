/**
 * The trainer and the trackers run as `python -m ...` in the checkout, where Python puts the working
 * folder first on its path: a top-level folder named like a package they import (a `datasets/` once)
 * shadows that package, and the trainer fails with "module 'datasets' has no attribute 'Dataset'".
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const root = join(__dirname, '..');
const locks = ['python/requirements.lock', 'python/tracking/tracking.lock'];
/** Packages transformers looks for whether or not they are installed (`is_datasets_available()` finds a folder). */
const probedByTransformers = ['datasets', 'evaluate', 'deepspeed', 'tensorboard', 'bitsandbytes', 'trl', 'vllm', 'wandb', 'mlflow'];

function lockedPackages(): Set<string> {
  const names = new Set<string>(probedByTransformers);
  for (const lock of locks) {
    for (const line of readFileSync(join(root, lock), 'utf8').split('\n')) {
      const name = /^([A-Za-z0-9_.-]+)==/.exec(line)?.[1];
      if (name) names.add(name.toLowerCase().replace(/[-.]/g, '_'));
    }
  }
  return names;
}

void describe('top-level folders', () => {
  void it('shadow no Python package the trainer or the trackers install', () => {
    const packages = lockedPackages();
    assert.ok(packages.has('transformers') && packages.has('mlflow'), 'the locks were read');
    const folders = readdirSync(root).filter(
      (name) => !name.startsWith('.') && name !== 'node_modules' && statSync(join(root, name)).isDirectory(),
    );
    assert.deepEqual(
      folders.filter((name) => packages.has(name.toLowerCase())),
      [],
    );
  });
});
