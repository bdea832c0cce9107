import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runStar } from './run-star';

const FIXTURES = join(__dirname, '../fixtures/task-file');

void describe('star plan with a task file', () => {
  void it('reads the task file and its data, and shows what it found', () => {
    const run = runStar(['plan', '--set', 'task=file', '--set', `taskFile=${join(FIXTURES, 'commonsenseqa.json')}`, '--set', 'nIters=2']);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^Task file \/.*commonsenseqa\.json: commonsenseqa, valid\.$/m);
    assert.match(run.stdout, /^ {2}train 3 examples, dev 1; accuracy classes commonsenseqa$/m);
    assert.match(
      run.stdout,
      /^ {2}answer read regex \/\(\.\)\.\.\$\/su \(group 1, first match\); stops at \["\\n"\] and <\|endoftext\|>$/m,
    );
  });

  void it('adds the task file to --json', () => {
    const run = runStar(['plan', '--json', '--set', 'task=file', '--set', `taskFile=${join(FIXTURES, 'gsm.json')}`, '--set', 'nIters=2']);
    assert.equal(run.status, 0, run.stderr);
    const { taskFile } = JSON.parse(run.stdout) as { taskFile: Record<string, unknown> };
    assert.deepEqual(
      { ...taskFile, uri: undefined },
      {
        uri: undefined,
        name: 'gsm',
        trainExamples: 2,
        devExamples: 1,
        classes: ['gsm'],
        fewShotExamples: 1,
        rationalizationExamples: 1,
        answer: {
          read: 'after-marker',
          marker: '####',
          trim: true,
          caseSensitive: false,
          thousandsSeparators: false,
          numeric: false,
          tolerance: 0,
          save: 'through-answer-line',
        },
        stop: ['\n\n'],
      },
    );
  });

  void it('refuses a bad task file before anything starts, naming the file, line and field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'star-plan-task-'));
    const task = JSON.parse(readFileSync(join(FIXTURES, 'gsm.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    for (const key of ['train', 'dev'] as const) task.data![key] = join(FIXTURES, String(task.data![key]));
    task.prompts = { fewShot: 'missing-prompts.txt' };
    writeFileSync(join(dir, 'task.json'), JSON.stringify(task, null, 2));
    const run = runStar(['plan', '--set', 'task=file', '--set', `taskFile=${join(dir, 'task.json')}`, '--set', 'nIters=2']);
    assert.equal(run.status, 2, run.stdout);
    assert.equal(
      run.stderr.trim(),
      `star: taskFile ${join(dir, 'task.json')} cannot be used. Nothing was started.\n` +
        `  - ${dir}/task.json:14: prompts.fewShot: "missing-prompts.txt" does not exist (looked for ${dir}/missing-prompts.txt); paths are relative to the task file's folder`,
    );
  });

  void it('refuses a task file with a built-in task, saying which to choose', () => {
    const run = runStar(['plan', '--set', `taskFile=${join(FIXTURES, 'gsm.json')}`]);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /taskFile needs task "file" \(or no task at all\): a task file replaces the built-in task arithmetic/);
  });
});
