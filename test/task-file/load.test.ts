import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadTaskFile } from '../../task-file';

/** A task folder: task.json (pretty-printed, one field per line), prompts.txt, train and dev JSONL. */
function taskFolder(task: Record<string, unknown>, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'star-task-file-'));
  const all: Record<string, string> = {
    'prompts.txt': 'Q: 1 + 1?\nA: One and one make 2. The answer is 2.\n\nQ: 2 + 1?\nA: Two and one make 3. The answer is 3.',
    'train.jsonl': ['{"id": "t1", "question": "3 + 4?", "answer": "7"}', '{"id": "t2", "question": "5 + 1?", "answer": "6"}'].join('\n'),
    'dev.jsonl': '{"id": "d1", "question": "2 + 2?", "answer": "4"}\n',
    ...files,
  };
  for (const [name, text] of Object.entries(all)) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, 'task.json'), `${JSON.stringify(task, null, 2)}\n`);
  return dir;
}

const sums = {
  name: 'sums',
  data: { train: 'train.jsonl', dev: 'dev.jsonl' },
  prompts: { fewShot: 'prompts.txt' },
  answer: { read: 'after-marker', marker: 'The answer is' },
};

async function loadError(dir: string): Promise<string> {
  const err = await loadTaskFile(join(dir, 'task.json')).then(
    () => undefined,
    (e: Error) => e,
  );
  assert.ok(err, 'the task file is refused');
  assert.equal(err.name === 'TaskFileError' || err.name === 'InvalidTaskFileError', true, `a task-file error, not ${err.name}`);
  return err.message;
}

void describe('loading a task file', () => {
  void it('reads the data, prompts and defaults of a minimal task file', async () => {
    const dir = taskFolder(sums);
    const loaded = await loadTaskFile(join(dir, 'task.json'));
    assert.deepEqual(
      loaded.train.map((e) => [e.id, e.question, e.answer, e.cls]),
      [
        ['t1', '3 + 4?', '7', 'sums'],
        ['t2', '5 + 1?', '6', 'sums'],
      ],
    );
    assert.equal(loaded.fewShot.length, 2);
    assert.deepEqual(loaded.rationalization, loaded.fewShot, 'without a rationalization prompt the few-shot prompt is used');
    assert.equal(loaded.task.context(loaded.train[0]!, { hint: false }), 'Q: 3 + 4?\nA:');
    assert.equal(loaded.task.context(loaded.train[0]!, { hint: true }), 'Q: 3 + 4? (7)\nA:');
    assert.deepEqual(loaded.task.stopStrings, ['\n\n']);
    const check = loaded.task.check(loaded.train[0]!, ' Three and four make 7. The answer is 7.\n\nQ: next');
    assert.deepEqual(
      check,
      { correct: false, prediction: ' 7.', answerText: ' Three and four make 7. The answer is 7.' },
      'without numeric, "7." is not "7"',
    );
  });

  void it('refuses an unknown field, naming the file, line and field', async () => {
    const dir = taskFolder({ ...sums, data: { ...sums.data, feilds: { answer: 'label' } } });
    assert.equal(await loadError(dir), `${dir}/task.json:6: data.feilds: no such field (a typo? docs/own-task.md lists every field)`);
  });

  void it('refuses a missing prompt file', async () => {
    const dir = taskFolder({ ...sums, prompts: { fewShot: 'prompt.txt' } });
    assert.equal(
      await loadError(dir),
      `${dir}/task.json:8: prompts.fewShot: "prompt.txt" does not exist (looked for ${dir}/prompt.txt); paths are relative to the task file's folder`,
    );
  });

  void it('refuses a regex that does not compile', async () => {
    const dir = taskFolder({ ...sums, answer: { read: 'regex', pattern: 'answer is (\\d+' } });
    assert.equal(await loadError(dir), `${dir}/task.json:12: answer.pattern: does not compile: /answer is (\\d+/: Unterminated group`);
  });

  void it('refuses a regex without a capture group', async () => {
    const dir = taskFolder({ ...sums, answer: { read: 'regex', pattern: 'answer is \\d+' } });
    assert.equal(
      await loadError(dir),
      `${dir}/task.json:12: answer.pattern: has no capture group: put the answer in parentheses, e.g. "answer is (\\\\S+)"`,
    );
  });

  void it('refuses a JSONL row without the answer field', async () => {
    const dir = taskFolder(sums, {
      'train.jsonl': '{"id": "t1", "question": "3 + 4?", "answer": "7"}\n{"id": "t2", "question": "5 + 1?", "label": "6"}\n',
    });
    assert.equal(
      await loadError(dir),
      `${dir}/train.jsonl:2: answer: the row has no "answer" field (the task file's data.fields.answer); every row needs one: add it, or point data.fields.answer at the field that holds it`,
    );
  });

  void it('refuses a duplicate id', async () => {
    const dir = taskFolder(sums, {
      'train.jsonl': '{"id": "t1", "question": "3 + 4?", "answer": "7"}\n\n{"id": "t1", "question": "5 + 1?", "answer": "6"}\n',
    });
    assert.equal(
      await loadError(dir),
      `${dir}/train.jsonl:3: id: id "t1" appears again (first on line 1); ids key every random choice and must be unique: remove or renumber one`,
    );
  });

  void it('refuses a dev row that is also in train, by id or by question', async () => {
    const sameId = taskFolder(sums, {
      'dev.jsonl': '{"id": "d1", "question": "2 + 2?", "answer": "4"}\n{"id": "t2", "question": "9 + 9?", "answer": "18"}\n',
    });
    assert.equal(
      await loadError(sameId),
      `${sameId}/dev.jsonl:2: id: id "t2" is also in the train split (${sameId}/train.jsonl:2); a dev example must not be trained on: remove it from one split`,
    );
    const sameQuestion = taskFolder(sums, { 'dev.jsonl': '{"id": "d9", "question": "3 + 4?", "answer": "7"}\n' });
    assert.equal(
      await loadError(sameQuestion),
      `${sameQuestion}/dev.jsonl:1: the same question is in the train split (${sameQuestion}/train.jsonl:1); a dev example must not be trained on: remove it from one split`,
    );
  });

  void it('lists every problem of the task file at once, each on its line', async () => {
    const dir = taskFolder({ ...sums, prompts: { question: 'Question: {question}\nAnswer: {answr}' }, stop: 'x' });
    assert.equal(
      await loadError(dir),
      [
        `${dir}/task.json:8: prompts.question: unknown placeholder {answr}: this template may use {question}, {choices}, {solution}`,
        `${dir}/task.json:8: prompts.question: the template must hold an answer marker, "A:" or "Target:" after a space or newline: training counts only the text after the last one`,
        `${dir}/task.json:14: stop: Invalid input: expected array, received string`,
      ].join('\n'),
    );
  });

  void it('refuses a question template without an answer marker (training would count nothing)', async () => {
    const dir = taskFolder({ ...sums, prompts: { question: 'Question: {question}\nAnswer:' } });
    assert.equal(
      await loadError(dir),
      `${dir}/task.json:8: prompts.question: the template must hold an answer marker, "A:" or "Target:" after a space or newline: training counts only the text after the last one`,
    );
  });

  void it('takes a multiple-choice answer as a label or a choice text, and refuses one that is neither', async () => {
    const choices = { ...sums, data: { ...sums.data, fields: { choices: 'options' } }, answer: { read: 'choice-letter' } };
    const dir = taskFolder(choices, {
      'train.jsonl':
        '{"id": "t1", "question": "3 + 4?", "options": ["6", "7"], "answer": "B"}\n{"id": "t2", "question": "5 + 1?", "options": ["6", "7"], "answer": "6"}\n',
      'dev.jsonl': '{"id": "d1", "question": "2 + 2?", "options": {"x": "4", "y": "5"}, "answer": "X"}\n',
    });
    const loaded = await loadTaskFile(join(dir, 'task.json'));
    assert.deepEqual(
      [...loaded.train, ...loaded.dev].map((e) => [e.answer, e.hint]),
      [
        ['B', 'B'],
        ['A', 'A'],
        ['X', 'X'],
      ],
    );
    assert.equal(
      loaded.task.context(loaded.train[0]!, { hint: true }),
      'Q: 3 + 4?\nAnswer Choices:\n(a) 6\n(b) 7 (CORRECT)\nA:',
      'with choices, the default templates show and mark them',
    );
    const bad = taskFolder(choices, {
      'train.jsonl': '{"id": "t1", "question": "3 + 4?", "options": ["6", "7"], "answer": "B"}\n',
      'dev.jsonl': '{"id": "d1", "question": "2 + 2?", "options": ["4", "5"], "answer": "four"}\n',
    });
    assert.equal(
      await loadError(bad),
      `${bad}/dev.jsonl:1: answer: "four" is neither a label nor a text of the row's choices (A, B): the answer of a multiple-choice row names its correct choice`,
    );
  });

  void it('refuses choices the question does not show, and a marked choice without choices', async () => {
    const hidden = taskFolder({
      ...sums,
      data: { ...sums.data, fields: { choices: 'options' } },
      prompts: { question: 'Q: {question}\nA:' },
    });
    assert.equal(
      await loadError(hidden),
      `${hidden}/task.json:11: prompts.question: the rows have choices (data.fields.choices) that this template does not show: add {choices}`,
    );
    const unmarked = taskFolder({ ...sums, prompts: { hint: { markChoice: ' (CORRECT)' } } });
    assert.equal(
      await loadError(unmarked),
      `${unmarked}/task.json:8: prompts.hint: markChoice marks the correct choice, but the rows have none: set data.fields.choices, or give a hint template`,
    );
  });

  void it('refuses a file that is not JSON, naming the line', async () => {
    const dir = taskFolder(sums);
    writeFileSync(join(dir, 'task.json'), '{\n  "name": "sums",\n  "data": {,\n}\n');
    assert.match(await loadError(dir), new RegExp(`^${dir}/task.json:3: not valid JSON \\(.*\\); the task file is one JSON object$`));
  });
});
