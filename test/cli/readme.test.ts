import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { optionCatalog } from '../../cli/option-catalog';
import { listPresets } from '../../cli/experiment-input';

const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');

void describe('the README', () => {
  void it('starts with the setup-and-run line and the test command', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const commands = firstBlock.split('\n').filter(Boolean).map((line) => line.replace(/\s+#.*$/, '').trim());
    assert.deepEqual(commands, ['npm install && npx star run', 'npm test']);
  });

  void it('has a row in the options table for every option the input accepts', () => {
    const missing = optionCatalog()
      .filter((entry) => entry.kind !== 'object')
      .map((entry) => entry.key)
      .filter((key) => !readme.includes(`| \`${key}\` |`));
    assert.deepEqual(missing, []);
  });

  void it('names every preset', () => {
    for (const preset of listPresets()) assert.ok(readme.includes(`\`${preset}\``), `${preset} missing`);
  });
});
