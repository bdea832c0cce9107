/**
 * What `prepareExperiment` refuses before any work: a genLength that the embedded model's context
 * cannot hold, and a storage root on a pseudo-filesystem (where Node's recursive mkdir never returns,
 * tying up the worker's file-system threads for every experiment). Both fail at once as bad input,
 * having written nothing.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../activities';
import { parseExperimentInputOrThrow, type ExperimentInput } from '../../contracts/experiment-input';
import { scratchDir, writeBaseConfig } from '../../test-support/experiment-input';

const BASE_MODEL = join(__dirname, '..', '..', 'pretrained', 'arithmetic-base');

void describe('prepareExperiment', () => {
  const acts = createActivities();
  const root = scratchDir('prepare');
  const prepare = (overrides: Partial<ExperimentInput>) =>
    acts.prepareExperiment({
      options: parseExperimentInputOrThrow({
        experiment: 'prep',
        task: 'arithmetic',
        storageRoot: join(root, 'runs'),
        baseModelLocation: BASE_MODEL,
        baseConfig: writeBaseConfig(root),
        ...overrides,
      }),
    });
  const badInput = (pattern: RegExp) => (err: unknown) => {
    assert.ok(err instanceof ApplicationFailure, String(err));
    assert.equal(err.nonRetryable, true);
    assert.match(err.message, pattern);
    return true;
  };

  void it("refuses a genLength the embedded model's context cannot hold, naming its seq, and writes nothing", async () => {
    // pretrained/arithmetic-base has seq 128: the prompt and the generated tokens share it.
    await assert.rejects(
      prepare({ experiment: 'prep-long', genLength: 4096 }),
      badInput(/genLength 4096 .*context of .*arithmetic-base.*seq 128.*below 128/),
    );
    await assert.rejects(prepare({ experiment: 'prep-long', genLength: 128 }), badInput(/genLength 128 /));
    assert.equal(existsSync(join(root, 'runs', 'prep-long')), false);
    const prepared = await prepare({ experiment: 'prep-ok', genLength: 96 });
    assert.equal(prepared.trainExamples > 0, true);
  });

  void it('refuses a storage root on a pseudo-filesystem such as /proc or /sys', async () => {
    for (const storageRoot of ['/proc/sys/star', 'file:///sys/star', '/proc/self/cwd/../star']) {
      await assert.rejects(
        prepare({ experiment: 'prep-proc', storageRoot }),
        badInput(/storageRoot .* is on a pseudo-filesystem \((proc|sysfs)\).*choose a folder on a disk/),
      );
    }
  });
});
