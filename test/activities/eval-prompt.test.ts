/**
 * Under `noPrompt` the eval of a fine-tuned model sends the bare question, as the reference's
 * `no_prompt` does, but the base eval (iteration 0) keeps the few-shot prompt: the base model has not
 * been taught to answer without one, and iteration 1's generation prompts it the same way.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createActivities } from '../../activities';
import { parseExperimentInputOrThrow } from '../../contracts/experiment-input';
import { iterationLayout } from '../../contracts/layout';
import { scratchDir, tinyExperiment, writeBaseConfig } from '../../test-support/experiment-input';
import { recordingCompletionsServer } from '../helpers/recording-completions-server';

const FEW_SHOT = 'Q: 1 + 1?\nA: 2';

function writeTask(dir: string): string {
  const rows = [3, 4, 5].map((n) => JSON.stringify({ id: `dev-${n}`, question: `${n} + 1`, answer: String(n + 1) }));
  writeFileSync(join(dir, 'train.jsonl'), JSON.stringify({ id: 'train-1', question: '2 + 2', answer: '4' }));
  writeFileSync(join(dir, 'dev.jsonl'), rows.join('\n'));
  writeFileSync(join(dir, 'prompts.txt'), FEW_SHOT);
  const task = {
    name: 'plus-one',
    data: { train: 'train.jsonl', dev: 'dev.jsonl' },
    prompts: { fewShot: 'prompts.txt', question: 'Q: {question}?\nA:' },
    answer: { read: 'last-number' },
    stop: ['\n'],
  };
  writeFileSync(join(dir, 'task.json'), JSON.stringify(task));
  return join(dir, 'task.json');
}

void describe('the eval prompt under noPrompt', () => {
  const { server, bodies } = recordingCompletionsServer(' 4');
  let url = '';
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => server.close());

  const promptsOfEval = async (iteration: number, task: 'file' | 'arithmetic' = 'file'): Promise<string[]> => {
    const root = scratchDir('eval-prompt');
    const taskOptions = task === 'file' ? { task, taskFile: writeTask(root), arithmetic: undefined } : {};
    const options = parseExperimentInputOrThrow(
      tinyExperiment('eval-prompt', root, join(root, 'unused-model'), writeBaseConfig(root), {
        ...taskOptions,
        noPrompt: true,
        inference: 'openai',
        inferenceUrl: url,
      }),
    );
    bodies.length = 0;
    await createActivities({ chunkSize: 4 }).evalShard({
      options,
      datasetDir: '',
      iteration,
      shard: 0,
      shards: 1,
      checkpointUri: join(root, 'unused-model'),
      outputUri: iterationLayout(root, 'eval-prompt', iteration).evalShard(0, 1),
    });
    return bodies.flatMap((body) => (Array.isArray(body.prompt) ? body.prompt : [body.prompt]) as string[]).sort();
  };

  void it('prompts the base model with the few-shot examples', async () => {
    assert.deepEqual(
      await promptsOfEval(0),
      [3, 4, 5].map((n) => `${FEW_SHOT}\n\nQ: ${n} + 1?\nA:`),
    );
  });

  void it('keeps the bare context for a task without few-shot examples (the arithmetic demo), base or not', async () => {
    for (const iteration of [0, 1]) {
      const sent = await promptsOfEval(iteration, 'arithmetic');
      assert.equal(sent.length, 12);
      for (const prompt of sent) assert.match(prompt, /^Input:\n/);
    }
  });

  void it('sends a fine-tuned model the bare question', async () => {
    assert.deepEqual(
      await promptsOfEval(1),
      [3, 4, 5].map((n) => `Q: ${n} + 1?\nA:`),
    );
  });
});
