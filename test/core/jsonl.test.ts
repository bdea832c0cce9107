import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { gsmRowSchema, JsonlLineError, parseJsonl } from '../../core';
import { loadJsonl } from '../../dataset-files';
import { FIXTURES } from './helpers';

void describe('JSONL loading', () => {
  void it('names the file and line of a corrupt line', async () => {
    const file = path.join(FIXTURES, 'corrupt.jsonl');
    await assert.rejects(loadJsonl(file, gsmRowSchema), (err: unknown) => {
      assert.ok(err instanceof JsonlLineError);
      assert.equal(err.line, 2);
      assert.match(err.message, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:2: not valid JSON`));
      return true;
    });
  });

  void it('names the line and field of a row in the wrong layout, counting blank lines', async () => {
    await assert.rejects(
      loadJsonl(path.join(FIXTURES, 'bad-row.jsonl'), gsmRowSchema),
      /bad-row\.jsonl:3: unexpected row layout \(answer: the answer must end with a "#### \{final answer\}" line\)/,
    );
  });

  void it('skips blank lines and a missing final newline', () => {
    assert.equal(parseJsonl('{"question":"q","answer":"#### 1"}\n\n{"question":"r","answer":"#### 2"}', gsmRowSchema, 'x').length, 2);
  });
});
