/**
 * commonsenseqa and gsm restated as task files (test/fixtures/task-file/) against the built-ins: the
 * same examples, contexts and prompts, and a generation pass with rationalization and an eval pass
 * over the same sampled outputs keep the same examples with the same text and reach the same
 * accuracy. On the real splits when present (STAR_DATA_DIR), else on the fixtures.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { keyedUnit } from '../../core/prng';
import { runEvalPass, runGenerationPass, type Sampler } from '../../core/rationale-selection';
import type { Example, Task } from '../../core/example';
import { commonsenseQaTask, gsmTask } from '../../dataset-files';
import { loadTaskFile } from '../../task-file';
import { FIXTURE_DATA_DIR, REAL_DATA_DIR, realDataSkip, tempDir } from '../core/helpers';

const FIXTURES = join(__dirname, '../fixtures/task-file');
const dataDir = realDataSkip === false ? REAL_DATA_DIR : FIXTURE_DATA_DIR;

/** The fixture task file with its data and prompt paths pointing into `dataDir`. */
function restated(name: 'commonsenseqa' | 'gsm'): string {
  const task = JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as {
    data: { train: string; dev: string };
    prompts: { fewShot: string; rationalization: string };
  };
  const at = (file: string) => join(dataDir, name, file);
  task.data.train = at('train_rand_split.jsonl');
  task.data.dev = at('dev_rand_split.jsonl');
  task.prompts.fewShot = at('prompts.txt');
  task.prompts.rationalization = at('prompts_answer_key.txt');
  const path = join(tempDir('star-restated-'), `${name}.json`);
  writeFileSync(path, JSON.stringify(task, null, 2));
  return path;
}

/**
 * Outputs in the task's format, some right, some wrong, some odd (no answer, upper-case letters,
 * short lines, text after the stop), keyed by the request seed; a prompt whose context the built-in
 * does not give fails the lookup, so the contexts are compared too.
 */
function scriptedSampler(builtin: Task, examples: readonly Example[], outputs: (example: Example, draw: number) => string): Sampler {
  const byContext = new Map<string, Example>();
  for (const example of examples) for (const hint of [false, true]) byContext.set(builtin.context(example, { hint }), example);
  return async (requests) =>
    requests.map(({ prompt, seed }) => {
      const context = prompt.slice(prompt.lastIndexOf('\n\n') + 2);
      const example = byContext.get(context) ?? byContext.get(prompt);
      assert.ok(example, `a context the built-in gives: ${JSON.stringify(context.slice(-80))}`);
      // Key 2: on the small fixtures too, some examples are kept at once, some after a hint, and some fail.
      return outputs(example, keyedUnit(2, 'scripted', String(seed)));
    });
}

const cqaOutput = (example: Example, draw: number): string => {
  const wrong = (example.choices ?? []).find((c) => c.label.toLowerCase() !== example.answer.toLowerCase())?.label.toLowerCase() ?? 'z';
  const forms = [
    ` The answer must be something. So the answer is thing (${example.answer.toLowerCase()}).\n\nQ: next`,
    ` So the answer is thing (${wrong}).\n`,
    ` So the answer is thing (${example.answer.toUpperCase()}).<|endoftext|>more`,
    ' ok',
    ' no answer here at all',
    `\n (${example.answer.toLowerCase()}).`,
  ];
  return forms[Math.floor(draw * forms.length)] as string;
};

const gsmOutput = (example: Example, draw: number): string => {
  const forms = [
    ` She has 3 + 4 = 7.\n#### ${example.answer}\n\nQ: next`,
    ` She has 3 + 4 = 7.\n#### ${example.answer}1<|endoftext|>`,
    ` Steps.\n####  ${example.answer.toUpperCase()} \n<|endoftext|>`,
    ' No final line at all.',
    `#### ${example.answer}`,
    ` a #### b #### ${example.answer}\n#### 0`,
  ];
  return forms[Math.floor(draw * forms.length)] as string;
};

for (const [name, builtin, outputs] of [
  ['commonsenseqa', commonsenseQaTask, cqaOutput],
  ['gsm', gsmTask, gsmOutput],
] as const) {
  void describe(`${name} restated as a task file (${realDataSkip === false ? 'real splits' : 'fixtures'})`, () => {
    void it('gives the same examples, contexts and prompts as the built-in', async () => {
      const loaded = await loadTaskFile(restated(name));
      for (const split of ['train', 'dev'] as const) {
        const examples = await builtin.loadSplit(dataDir, split);
        const fromFile = await loaded.task.loadSplit('', split);
        assert.deepEqual(
          fromFile.map(({ id, answer, cls, hint, question, choices }) => ({ id, answer, cls, hint, question, choices })),
          examples.map(({ id, answer, cls, hint, question, choices }) => ({ id, answer, cls, hint, question, choices })),
        );
        for (const [i, example] of examples.entries()) {
          for (const hint of [false, true])
            assert.equal(loaded.task.context(fromFile[i] as Example, { hint }), builtin.context(example, { hint }));
        }
      }
      for (const answerKey of [false, true]) {
        assert.deepEqual(
          await loaded.task.loadFewShot('', { answerKey, direct: false }),
          await builtin.loadFewShot(dataDir, { answerKey, direct: false }),
        );
      }
    });

    void it('keeps the same examples and reaches the same accuracy on the same seed', async () => {
      const loaded = await loadTaskFile(restated(name));
      const run = async (task: Task, datasetDir: string) => {
        const train = await task.loadSplit(datasetDir, 'train');
        const dev = await task.loadSplit(datasetDir, 'dev');
        const sample = scriptedSampler(
          builtin,
          [...(await builtin.loadSplit(dataDir, 'train')), ...(await builtin.loadSplit(dataDir, 'dev'))],
          outputs,
        );
        const fewShot = {
          plain: await task.loadFewShot(datasetDir, { answerKey: false, direct: false }),
          answerKey: await task.loadFewShot(datasetDir, { answerKey: true, direct: false }),
        };
        const options = {
          rationalize: true,
          pRationalization: 1,
          pShowHintSave: 0.3,
          direct: false,
          noPrompt: false,
          fewShotTrain: false,
          seed: 3,
        };
        const generation = await runGenerationPass({ task, examples: train, fewShot, sample, options });
        const accuracy = await runEvalPass({
          task,
          examples: dev,
          fewShot: fewShot.plain,
          sample,
          options: { direct: false, noPrompt: false, seed: 3 },
        });
        return { kept: generation.kept, counts: generation.counts, accuracy };
      };
      const expected = await run(builtin, dataDir);
      const actual = await run(loaded.task, '');
      assert.ok(
        expected.kept.length > 0 && expected.kept.some((k) => k.rationalized),
        'the outputs keep some examples, rationalized ones among them',
      );
      assert.ok(
        Object.values(expected.counts).some((c) => c.correct < c.total),
        'and fail others',
      );
      assert.deepEqual(actual, expected);
    });
  });
}
