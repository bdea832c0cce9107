/**
 * The host reads torchrun's failure report: a rank that exited 2 (bad input) is a usage error the step
 * does not retry, though torchrun itself exits 1; a rank that crashed stays a retried failure. The
 * "launcher" here prints torchrun's report, as torch 2.15 words it, and exits 1.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { TrainOnHostInput } from '../../contracts/activities';
import { trainOnHost } from '../../host/train-on-host';
import { hostFolders } from './fixtures/host-folders';

function report(rootCauseExit: string): string {
  return [
    'star_trainer.train FAILED',
    '------------------------------------------------------------',
    'Failures:',
    '[1]:',
    '  rank      : 0 (local_rank: 0)',
    '  exitcode  : -15 (pid: 427)  (SIGTERM)',
    '------------------------------------------------------------',
    'Root Cause (first observed failure):',
    '[0]:',
    '  rank      : 1 (local_rank: 1)',
    `  exitcode  : ${rootCauseExit} (pid: 428)`,
    '============================================================',
  ].join('\n');
}

async function failureOfLauncher(rootCauseExit: string): Promise<ApplicationFailure> {
  const { dir, settings } = hostFolders('launcher-report');
  const launcher = `console.error(${JSON.stringify(report(rootCauseExit))}); process.exit(1)`;
  const input: TrainOnHostInput = {
    host: 'h0',
    hostIndex: 0,
    hostCount: 1,
    iteration: 1,
    configUri: join(dir, 'config.json'),
    baseCheckpointUri: join(dir, 'base'),
    commandTemplate: `${JSON.stringify(process.execPath)} -e ${JSON.stringify(launcher)} -- --config {config}`,
    totalSteps: 4,
    modelDir: join(dir, 'models'),
    indexUri: join(dir, 'train.index'),
    trainSet: 'exp/exp_1.index',
    logUri: join(dir, 'logs', 'train-h0.log'),
  };
  const failure = await new MockActivityEnvironment().run(trainOnHost, settings, input).then(
    () => assert.fail('the launcher exits 1'),
    (err: unknown) => err,
  );
  assert.ok(failure instanceof ApplicationFailure, String(failure));
  return failure;
}

void describe('a training command under torchrun whose rank failed', () => {
  void it('is a usage error, not retried, when the root-cause rank exited with status 2', async () => {
    const failure = await failureOfLauncher('2');
    assert.equal(failure.type, 'TrainerUsageError', failure.message);
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, /exited with status 1 \(its launcher reports a rank that exited with status 2\)/);
  });

  void it('is retried when the root-cause rank crashed (SIGKILL)', async () => {
    const failure = await failureOfLauncher('-9');
    assert.equal(failure.type, 'TrainerFailed', failure.message);
    assert.notEqual(failure.nonRetryable, true);
  });
});
