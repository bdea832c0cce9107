import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const root = join(__dirname, '..');

/**
 * cli/dispatch.ts loads each command's file by a path in a string, which knip cannot follow: the
 * files are listed as entry points in knip.json instead, and this keeps the list true, so that
 * `npm run lint:exports` neither reports a command as unused nor misses a dead export elsewhere.
 */
void describe('knip.json', () => {
  void it('names every command file cli/dispatch.ts loads as an entry point', () => {
    const dispatch = readFileSync(join(root, 'cli/dispatch.ts'), 'utf8');
    const loaded = [...dispatch.matchAll(/load<typeof import\('\.\/([a-z-]+)'\)>/g)].map((m) => m[1]);
    assert.ok(loaded.length > 5, 'cli/dispatch.ts should load its commands with load<typeof import(...)>(...)');
    const entries = (JSON.parse(readFileSync(join(root, 'knip.json'), 'utf8')) as { entry: string[] }).entry;
    const commands =
      entries
        .map((e) => /^cli\/\{([a-z,-]+)\}\.ts$/.exec(e))
        .find(Boolean)?.[1]
        .split(',') ?? [];
    assert.deepEqual(
      loaded.filter((name) => !commands.includes(name)),
      [],
      'add these to the cli/{...}.ts entry of knip.json',
    );
  });
});
