import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { WorkerEnvError, workerSettingsFromEnv } from '../../workers/worker-env';
import { repoRoot } from '../../test-support/processes';

void describe('experiment worker settings from the environment', () => {
  void it('reads the task queue, bundle, concurrent activities and chunk size', () => {
    assert.deepEqual(
      workerSettingsFromEnv({
        STAR_TASK_QUEUE: 'q',
        STAR_WORKFLOW_BUNDLE: '/b.js',
        STAR_MAX_CONCURRENT_ACTIVITIES: '1',
        STAR_CHUNK_SIZE: ' 16 ',
      }),
      { taskQueue: 'q', workflowBundlePath: '/b.js', maxConcurrentActivityTaskExecutions: 1, chunkSize: 16 },
    );
  });

  void it('leaves unset and empty variables to the defaults', () => {
    assert.deepEqual(workerSettingsFromEnv({ STAR_CHUNK_SIZE: '' }), {
      taskQueue: undefined,
      workflowBundlePath: undefined,
      maxConcurrentActivityTaskExecutions: undefined,
      chunkSize: undefined,
    });
  });

  void it('refuses a value that is not a positive whole number, naming the variable, the value and what to set', () => {
    for (const bad of ['0', '-2', '4.5', '1e3', '0x10', 'many']) {
      assert.throws(
        () => workerSettingsFromEnv({ STAR_CHUNK_SIZE: bad }),
        (err: Error) =>
          err instanceof WorkerEnvError &&
          err.message.includes(`STAR_CHUNK_SIZE="${bad}" is not a positive integer`) &&
          /examples per saved chunk/.test(err.message),
      );
    }
    assert.throws(
      () => workerSettingsFromEnv({ STAR_MAX_CONCURRENT_ACTIVITIES: 'two' }),
      /STAR_MAX_CONCURRENT_ACTIVITIES="two" is not a positive integer: set it to the activities one worker runs at once/,
    );
  });

  void it('makes workers/main.ts exit 1 with that message before it connects', () => {
    // Nothing listens on this address: the error must come from the check, not from the connection.
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'workers', 'main.ts')], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1', STAR_MAX_CONCURRENT_ACTIVITIES: '0' },
    });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /STAR_MAX_CONCURRENT_ACTIVITIES="0" is not a positive integer/);
  });
});
