/**
 * A `${NAME}` in the training command on a host: the trainer receives the value from the host's
 * environment, while the training log in storage (its command line and the trainer's own output)
 * and the step's failure message show `${NAME}`. The trainer here prints its arguments, as many do,
 * and exits with a usage error, whose message quotes the log's last lines.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { TrainOnHostInput } from '../../contracts/activities';
import { trainOnHost } from '../../host/train-on-host';
import { hostFolders } from './fixtures/host-folders';

const SECRET = `sk-live-"host"\\key-${'z'.repeat(60)}`;

void describe('a ${NAME} in the training command', () => {
  void it("reaches the trainer from the host's environment and is shown as ${NAME} in the stored log and the failure", async () => {
    const { dir, settings } = hostFolders('host-secret', { env: { PATH: process.env.PATH, STAR_TEST_KEY: SECRET } });
    // Prints its arguments, says whether --key was the secret, exits 2 (a usage error).
    const trainer =
      'console.log("args:", process.argv.slice(1).join(" ")); console.log("key ok:", process.argv[2] === process.env.STAR_TEST_KEY); process.exit(2)';
    const input: TrainOnHostInput = {
      host: 'h0',
      hostIndex: 0,
      hostCount: 1,
      iteration: 1,
      configUri: join(dir, 'config.json'),
      baseCheckpointUri: join(dir, 'base'),
      commandTemplate: `${JSON.stringify(process.execPath)} -e ${JSON.stringify(trainer)} -- --key \${STAR_TEST_KEY} --config {config}`,
      totalSteps: 4,
      modelDir: join(dir, 'models'),
      indexUri: join(dir, 'train.index'),
      trainSet: 'exp/exp_1.index',
      logUri: join(dir, 'logs', 'train-h0.log'),
    };
    const failure = await new MockActivityEnvironment().run(trainOnHost, settings, input).then(
      () => assert.fail('the trainer exits 2'),
      (err: unknown) => err,
    );
    assert.ok(failure instanceof ApplicationFailure, String(failure));
    assert.equal(failure.type, 'TrainerUsageError', failure.message);
    const log = readFileSync(input.logUri, 'utf8');
    assert.match(log, /key ok: true/, 'the trainer was given the value');
    assert.match(log, /"--key" "\$\{STAR_TEST_KEY\}"/, 'the command line as written');
    assert.match(log, /args: .*--key \$\{STAR_TEST_KEY\} --config/, "the trainer's output, masked");
    for (const text of [log, failure.message]) {
      assert.ok(!text.includes(SECRET) && !text.includes('z'.repeat(30)), text);
    }
  });
});
