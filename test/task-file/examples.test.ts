import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { accuracyClasses, loadTaskFile } from '../../task-file';
import { resolveExperimentInput } from '../../cli/experiment-input';
import { runVerifierCommand } from '../../processes/verifier-command';
import { rationaleIsRight, workedRationale } from '../../configs/tasks/larger-number/rationale';

const TASKS = join(__dirname, '../../configs/tasks');

void describe('the example task files', () => {
  void it('addition: generated data, digit-count classes, the scratchpad format the base model knows', async () => {
    const loaded = await loadTaskFile(join(TASKS, 'addition/task.json'), { generate: true });
    assert.equal(loaded.train.length, 1641);
    assert.equal(loaded.dev.length, 240);
    assert.deepEqual(accuracyClasses(loaded.dev), ['digits=1', 'digits=2', 'digits=3', 'digits=4', 'digits=5', 'digits=6']);
    const example = loaded.dev.find((e) => e.question === '4 6 + 8 1');
    assert.ok(example);
    assert.equal(loaded.task.context(example, { hint: false }), 'Input:\n4 6 + 8 1\nTarget:');
    assert.equal(loaded.task.context(example, { hint: true }), 'Input:\n4 6 + 8 1\nTarget: 1 2 7');
    const output = '\n<scratch>\n4 6 + 8 1 , C: 0\n4 + 8 , 7 C: 0\n, 2 7 C: 1\n1 2 7\n</scratch>\n1 2 7\n<|endoftext|>';
    assert.deepEqual(loaded.task.check(example, output), {
      correct: true,
      prediction: '1 2 7',
      answerText: output.slice(0, output.indexOf('\n<|endoftext|>')),
    });
  });

  void it("coin-flip: generated data, people classes, and its prompts' worked examples answer correctly under its own rule", async () => {
    const loaded = await loadTaskFile(join(TASKS, 'coin-flip/task.json'), { generate: true });
    assert.equal(loaded.train.length, 900);
    assert.equal(loaded.dev.length, 150);
    assert.deepEqual(accuracyClasses(loaded.dev), ['people=2', 'people=3', 'people=4']);
    for (const [n, prompt] of loaded.fewShot.entries()) {
      const answer = (loaded.rationalization[n] as string).match(/^\(([ab])\) .* \(CORRECT\)$/m)?.[1];
      assert.ok(answer, `rationalization example ${n} marks its correct choice`);
      const at = prompt.lastIndexOf('\nA:') + 3;
      const example = {
        id: 'p',
        answer,
        cls: 'x',
        hint: answer,
        question: '',
        choices: [
          { label: 'A', text: 'yes' },
          { label: 'B', text: 'no' },
        ],
      };
      assert.equal(loaded.task.check(example, prompt.slice(at)).correct, true, `prompt example ${n}`);
    }
  });

  void it('larger-number: generated data in two position classes, prompts the answer rule and the rationale check both accept', async () => {
    const loaded = await loadTaskFile(join(TASKS, 'larger-number/task.json'), { generate: true });
    assert.equal(loaded.train.length, 2000);
    assert.equal(loaded.dev.length, 200);
    assert.deepEqual(accuracyClasses(loaded.dev), ['first', 'second']);
    const trainPairs = new Set(loaded.train.map((e) => e.question.split(' or ').sort().join()));
    assert.ok(!loaded.dev.some((e) => trainPairs.has(e.question.split(' or ').sort().join())), 'no dev pair is a train pair');
    for (const [n, prompt] of loaded.fewShot.entries()) {
      const question = /Which is larger, (\d+ or \d+)\?/.exec(prompt)?.[1] as string;
      const output = prompt.slice(prompt.lastIndexOf('\nA:') + 3);
      const answer = String(Math.max(...question.split(' or ').map(Number)));
      const example = { id: 'p', answer, cls: 'x', hint: answer, question };
      assert.equal(loaded.task.check(example, output).correct, true, `prompt example ${n}, answer rule`);
      assert.equal(rationaleIsRight(question, output), true, `prompt example ${n}, rationale check`);
    }
  });

  void it('larger-number: the rationale check refuses a right answer after wrong digits, and its verifier speaks the command protocol', async () => {
    assert.equal(workedRationale(60, 29), 'tens digits 6 and 2, 6 is bigger, so 60. Answer: 60');
    assert.equal(workedRationale(45, 47), 'tens digits 4 and 4 are the same, ones digits 5 and 7, 7 is bigger, so 47. Answer: 47');
    // Outputs SmolLM2 gave: the answer rule accepts all three, the rationale check only the first.
    const outputs = [
      ' tens digits 6 and 2, 6 is bigger, so 60. Answer: 60',
      ' tens digits 6 and 0, 6 is bigger, so 60. Answer: 60',
      ' tens digits 7 and 9, 9 is bigger, so 79. Answer: 95',
    ];
    const questions = ['60 or 29', '60 or 29', '79 or 95'];
    assert.deepEqual(
      outputs.map((o, n) => rationaleIsRight(questions[n] as string, o)),
      [true, false, false],
    );
    const items = outputs.map((output, n) => ({ id: `s${n}`, question: questions[n] as string, answer: n < 2 ? '60' : '95', output }));
    const verifier = ['npx', 'tsx', join(TASKS, 'larger-number/verify-rationale.ts')];
    assert.deepEqual(await runVerifierCommand(verifier, items, { timeoutSeconds: 120 }), [true, false, false]);
  });

  void it('presets run them: addition on the embedded model, coin-flip and larger-number through the openai path', () => {
    const addition = resolveExperimentInput({ preset: 'addition-task-file' }).options;
    assert.deepEqual([addition.task, addition.inference, addition.trainer], ['file', 'embedded', 'embedded']);
    assert.match(addition.taskFile ?? '', /configs\/tasks\/addition\/task\.json$/);
    const coin = resolveExperimentInput({ preset: 'coin-flip-smollm2' }).options;
    assert.deepEqual([coin.task, coin.inference], ['file', 'openai']);
    assert.match(coin.taskFile ?? '', /configs\/tasks\/coin-flip\/task\.json$/);
    const larger = resolveExperimentInput({ preset: 'larger-number-smollm2-vllm' }).options;
    assert.deepEqual([larger.task, larger.inference, larger.inferenceServer, larger.trainer], ['file', 'openai', 'vllm', 'command']);
    assert.match(
      larger.serveCommandTemplate ?? '',
      /^env VLLM_CPU_KVCACHE_SPACE=1 .*vllm\.entrypoints\.openai\.api_server --model \{checkpoint\}/,
    );
  });

  void it('says which generator failed and how, when it cannot write the data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'star-generate-'));
    const write = (generate: string) =>
      writeFileSync(
        join(dir, 'task.json'),
        JSON.stringify({ name: 'g', data: { train: 'train.jsonl', dev: 'dev.jsonl', generate }, answer: { read: 'last-number' } }, null, 2),
      );
    write('no-such-generator-program');
    await assert.rejects(loadTaskFile(join(dir, 'task.json'), { generate: true }), {
      message: `${dir}/task.json:6: data.generate: the program "no-such-generator-program" was not found; give its full path or put it on PATH`,
    });
    write(`${process.execPath} -e "process.stderr.write('no room'); process.exit(3)"`);
    await assert.rejects(loadTaskFile(join(dir, 'task.json'), { generate: true }), (err: Error) => {
      assert.match(
        err.message,
        new RegExp(
          `^${dir}/task.json:6: data.generate: ".*" failed in ${dir} \\(Command failed: .*\\); it must write the train and dev files. Its last output:\\nno room$`,
        ),
      );
      return true;
    });
  });
});
