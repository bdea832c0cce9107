/**
 * docs/options.md is the one table of options: a row for every option the input accepts, no row for
 * one it does not, and each default written as a single value is the schema's own.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { optionCatalog } from '../../cli/option-catalog';
import { experimentInputSchema } from '../../contracts/experiment-input';
import { codeSpans, markdownTables } from '../helpers/markdown';

const page = readFileSync(join(__dirname, '..', '..', 'docs', 'options.md'), 'utf8');
const table = markdownTables(page).find((t) => t.header[0] === 'option');
const rows = (table?.rows ?? []).map((row) => ({ key: codeSpans(row.cells[0])[0], defaultCell: row.cells[2] }));
const options = optionCatalog().filter((entry) => entry.kind !== 'object');

// The smallest input the schema accepts: every other option takes its default.
const minimal = { experiment: 'docs', datasetDir: 'data' };

function withOption(key: string, value: unknown): Record<string, unknown> {
  const [head, tail] = key.split('.', 2);
  return { ...minimal, [head]: tail === undefined ? value : { [tail]: value } };
}

function resolved(input: Record<string, unknown>, key: string): unknown {
  const parsed = experimentInputSchema.parse(input) as Record<string, unknown>;
  return key.split('.').reduce<unknown>((value, part) => (value as Record<string, unknown> | undefined)?.[part], parsed);
}

void describe('docs/options.md', () => {
  void it('has a row for every option the input accepts, and none for another', () => {
    assert.ok(table, 'a table whose first column is "option"');
    const documented = rows.map((row) => row.key);
    assert.deepEqual(
      options.map((entry) => entry.key).filter((key) => !documented.includes(key)),
      [],
      'options without a row',
    );
    assert.deepEqual(
      documented.filter((key) => !options.some((entry) => entry.key === key)),
      [],
      'rows that name no option',
    );
  });

  void it("writes each default given as one value as the schema's default", () => {
    const keys = new Set(options.map((entry) => entry.key));
    const wrong: string[] = [];
    for (const { key, defaultCell } of rows) {
      const spans = codeSpans(defaultCell);
      // A default that is prose ("none", "all") or names another option (`temperature`) is not a value.
      if (spans.length !== 1 || defaultCell !== `\`${spans[0]}\`` || keys.has(spans[0]) || key in minimal) continue;
      // A setting inside an optional object (earlyStop.minDelta) has its default only when the object is given.
      if (resolved(minimal, key) === undefined) continue;
      let written: unknown = spans[0];
      try {
        written = JSON.parse(spans[0]);
      } catch {
        // not JSON: the text itself, as --set would give it
      }
      const parsed = experimentInputSchema.safeParse(withOption(key, written));
      const same = parsed.success && JSON.stringify(resolved(withOption(key, written), key)) === JSON.stringify(resolved(minimal, key));
      if (!same) wrong.push(`${key}: the page says ${defaultCell}, the schema's default is ${JSON.stringify(resolved(minimal, key))}`);
    }
    assert.deepEqual(wrong, []);
  });
});
