import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createActivities } from '../../activities';
import { joinSavedExamples } from '../../core';
import { parseExperimentInputOrThrow } from '../../contracts/experiment-input';
import { scratchDir } from '../../test-support/experiment-input';

void describe('the records and config steps for trainers that tokenize themselves', () => {
  const acts = createActivities();
  const root = scratchDir('records-jsonl');
  const options = parseExperimentInputOrThrow({
    experiment: 'hf',
    task: 'commonsenseqa',
    datasetDir: join(root, 'dataset'),
    trainer: 'command',
    hosts: ['gpu-0'],
    // A Hugging Face folder has no embedded manifest: the records are GPT-2 BPE, chunked by the config's seq.
    baseModelLocation: join(root, 'hf-base'),
    steadyGrow: true,
  });
  const configUri = join(root, 'base.json');
  writeFileSync(configUri, JSON.stringify({ seq: 16, lr: 1e-5 }));
  const recordFolder = join(root, 'records', 'hf_0');
  mkdirSync(recordFolder, { recursive: true });
  writeFileSync(
    join(recordFolder, 'hf_0.txt'),
    joinSavedExamples(['Q: one?\nA: It is (a).<|endoftext|>', 'Q: two?\nA: It is (b).<|endoftext|>']),
  );
  writeFileSync(join(recordFolder, 'copied.txt'), 'Q: three?\nA: It is (c).<|endoftext|>');
  const indexUri = join(root, 'hf_1.index');

  void it('writes the kept examples as {prompt, completion} JSONL beside the index, and the config names it', async () => {
    await acts.writeRecords({
      options,
      iteration: 1,
      recordFolder,
      recordsPrefix: join(root, 'records', 'hf_0'),
      trainerConfigUri: configUri,
      indexUri,
      manifestUri: join(root, 'records.done.json'),
    });
    const rows = readFileSync(join(root, 'hf_1.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown);
    assert.deepEqual(rows, [
      { prompt: 'Q: three?\nA:', completion: ' It is (c).' },
      { prompt: 'Q: one?\nA:', completion: ' It is (a).' },
      { prompt: 'Q: two?\nA:', completion: ' It is (b).' },
    ]);

    await acts.writeIterationConfig({
      options,
      iteration: 1,
      previousConfigUri: configUri,
      configUri: join(root, 'hf_1.json'),
      manifestUri: join(root, 'config.done.json'),
      examples: 3,
      indexUri,
      modelDir: join(root, 'models', 'hf_1'),
      targetSave: join(root, 'records', 'hf_1', 'hf_1.txt'),
    });
    const config = JSON.parse(readFileSync(join(root, 'hf_1.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(config.train_jsonl, join(root, 'hf_1.jsonl'));
    assert.equal(config.train_set, indexUri, 'the reference trainer keeps its records index');
  });
});
