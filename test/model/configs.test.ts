import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseBaseConfig } from '../../core/base-config';
import { createModel, parameterCount, parseModelConfig, tokenizerByName } from '../../model';

const read = (name: string): unknown => JSON.parse(readFileSync(join(__dirname, '..', '..', 'configs', name), 'utf8'));

void describe('embedded model configs', () => {
  for (const name of ['model-tiny.json', 'model-default.json', 'model-demo-base.json', 'model-4x256.json', 'embedded_base.json']) {
    void it(`${name} describes a model whose tokenizer fits its vocabulary`, () => {
      const config = parseModelConfig(read(name), name);
      assert.ok(tokenizerByName(config.tokenizer).vocabSize <= config.n_vocab);
      assert.ok(parameterCount(config) > 0);
    });
  }

  void it('embedded_base.json is a valid reference-layout trainer config with the default model shape', () => {
    const base = parseBaseConfig(read('embedded_base.json'), 'embedded_base.json');
    const small = parseModelConfig(read('model-default.json'));
    const model = createModel(parseModelConfig(base, 'embedded_base.json'));
    assert.deepEqual(model.config, small);
  });
});
