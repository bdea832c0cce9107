import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listPresets } from '../../cli/experiment-input';
import { codeSpans, markdownTables } from '../helpers/markdown';

const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
const optionsPage = readFileSync(join(__dirname, '..', '..', 'docs', 'options.md'), 'utf8');

/** Each option's default as a table with an `option` column writes it: `nIters` → `` `64` ``. */
function defaultsOf(text: string): Map<string, string> {
  const defaults = new Map<string, string>();
  for (const table of markdownTables(text).filter((t) => t.header[0] === 'option')) {
    const column = table.header.indexOf('default');
    for (const row of table.rows) {
      const keys = codeSpans(row.cells[0]);
      const values = row.cells[column].split(/,\s*/);
      keys.forEach((key, k) => defaults.set(key, keys.length === values.length ? values[k] : row.cells[column]));
    }
  }
  return defaults;
}

// The table of every option is docs/options.md, kept true by options-doc.test.ts.
void describe('the README', () => {
  void it('starts with the setup-and-run line and the test command', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const commands = firstBlock
      .split('\n')
      .filter(Boolean)
      .map((line) => line.replace(/\s+#.*$/, '').trim());
    assert.deepEqual(commands, ['npm install && npx star run', 'npm test']);
  });

  void it("gives the options it lists with docs/options.md's defaults", () => {
    const all = defaultsOf(optionsPage);
    const listed = [...defaultsOf(readme)];
    assert.ok(listed.length > 0, 'the README lists the options most runs touch');
    for (const [key, value] of listed) assert.equal(value, all.get(key), `${key} in the README`);
  });

  void it('stays a page a newcomer reads in minutes: at most 250 lines (details go to a page under docs/)', () => {
    assert.ok(readme.split('\n').length <= 250, `README.md has ${readme.split('\n').length} lines`);
  });

  void it('names every preset', () => {
    for (const preset of listPresets()) assert.ok(readme.includes(`\`${preset}\``), `${preset} missing`);
  });
});
