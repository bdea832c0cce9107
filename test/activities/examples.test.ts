import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { arithmeticKey, taskFor } from '../../activities/examples';
import { parseExperimentInputOrThrow } from '../../contracts/experiment-input';

void describe('the task a pass runs', () => {
  void it('gives arithmetic the few-shot prompt arithmetic.fewShot asks for, in generation and eval alike', async () => {
    const options = parseExperimentInputOrThrow({ experiment: 'fs', task: 'arithmetic', arithmetic: { trainDigits: [1, 2], fewShot: 4 } });
    for (const split of ['train', 'dev'] as const) {
      const prompt = await taskFor(options, split).loadFewShot('', { answerKey: false, direct: false });
      assert.equal(prompt.length, 4);
      assert.ok(prompt.every((text) => text.startsWith('Input:\n') && text.includes('\n</scratch>\n')));
    }
    const none = parseExperimentInputOrThrow({ experiment: 'fs', task: 'arithmetic' });
    assert.deepEqual(await taskFor(none, 'dev').loadFewShot('', { answerKey: false, direct: false }), []);
  });

  void it('keeps the manifest key of arithmetic runs without a few-shot prompt as it was before arithmetic.fewShot existed', () => {
    const before = { trainDigits: [1, 2], devDigits: [1, 2, 3, 4, 5], oodDigits: [], trainPerDigit: 2000, devPerDigit: 100 };
    const options = parseExperimentInputOrThrow({ experiment: 'fs', task: 'arithmetic', arithmetic: { trainDigits: [1, 2] } });
    assert.deepEqual(arithmeticKey(options), before);
    const withPrompt = parseExperimentInputOrThrow({
      experiment: 'fs',
      task: 'arithmetic',
      arithmetic: { trainDigits: [1, 2], fewShot: 3 },
    });
    assert.deepEqual(arithmeticKey(withPrompt), { ...before, fewShot: 3 });
    assert.equal(arithmeticKey(parseExperimentInputOrThrow({ experiment: 'fs', task: 'gsm', datasetDir: '/d' })), undefined);
  });
});
