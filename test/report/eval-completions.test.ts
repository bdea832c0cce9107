/**
 * The report shows the eval pass's saved completions, right and wrong, for the base model and each
 * iteration, read from the store alone (shards' samples merged).
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { evalSampleUriOf, iterationLayout } from '../../contracts/layout';
import { evalCompletion, type EvalCompletion } from '../../core/eval-sample';
import { localPathOf } from '../../storage';
import { collectReport } from '../../report/collect';
import { reportPage } from '../../report/page';
import { scratchDir } from '../../test-support/experiment-input';

function save(uri: string, completions: EvalCompletion[]): void {
  const path = localPathOf(uri);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(completions));
}

const completion = (id: string, correct: boolean) =>
  evalCompletion(0, {
    exampleId: id,
    cls: '2',
    correct,
    context: `Input: ${id}`,
    answer: '42',
    output: correct ? ' <scratch> 42' : ' <scratch> <scratch> <scratch>',
  });

void describe('eval completions in the report', () => {
  void it("merges the shards' samples of the base eval and of each iteration, and shows right and wrong ones", async () => {
    const root = pathToFileURL(scratchDir('eval-completions')).href;
    const base = iterationLayout(root, 'exp', 0);
    const one = iterationLayout(root, 'exp', 1);
    save(evalSampleUriOf(base.evalShard(0, 1)), [completion('dev-1', false)]);
    save(evalSampleUriOf(one.evalShard(0, 2)), [completion('dev-1', true)]);
    save(evalSampleUriOf(one.evalShard(1, 2)), [completion('dev-2', false)]);

    const data = await collectReport(root, 'exp');
    assert.deepEqual(
      data.baseEvalCompletions?.map((c) => [c.exampleId, c.correct]),
      [['dev-1', false]],
    );
    assert.deepEqual(
      data.iterations[0]?.evalCompletions?.map((c) => [c.exampleId, c.correct]),
      [
        ['dev-1', true],
        ['dev-2', false],
      ],
    );

    const html = reportPage(data, []);
    assert.match(html, /Base model \(iteration 0\)<\/h3><h4>Eval completions <span class="meta">0 right, 1 wrong shown/);
    assert.match(html, /eval right · dev-1 \(2\)/);
    assert.match(html, /eval wrong · dev-2 \(2\).*&lt;scratch&gt; &lt;scratch&gt; &lt;scratch&gt;/s);
  });
});
