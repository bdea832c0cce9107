/**
 * Re-captures the replay fixtures: runs the workflow tests with STAR_CAPTURE_HISTORIES=1 (end to end
 * with the real model; the messages and the invalid input with mock activities, whose histories have
 * the same commands), which saves every run of their scenarios here as `{scenario}-{run}.json`. Commit the result after a
 * deliberate change to the workflow's commands (and keep old histories if old runs must still replay).
 *
 *   npx tsx test/histories/capture.ts
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const dir = __dirname;
/**
 * Histories of older workflow code, which no test can make again: a pass of 7 shards with
 * maxPendingShards 3, recorded when every shard started at once (the `bounded-pending-shards` patch
 * keeps such runs replaying).
 */
const KEPT = new Set(['all-shards-at-once-before-the-cap-1.json']);
for (const name of readdirSync(dir)) if (name.endsWith('.json') && !KEPT.has(name)) rmSync(join(dir, name));
const result = spawnSync(
  process.execPath,
  [join(dir, '..', '..', 'scripts', 'run-tests.js'), 'test/workflows/experiment', 'test/workflows/logic', 'test/workflows/resume', 'test/workflows/command-trainer', 'test/workflows/sampling'],
  { stdio: 'inherit', env: { ...process.env, STAR_CAPTURE_HISTORIES: '1' } },
);
console.log(readdirSync(dir).filter((name) => name.endsWith('.json')).join('\n'));
process.exit(result.status ?? 1);
