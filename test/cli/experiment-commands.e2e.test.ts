/**
 * The guard of the commands about one experiment (status, stop, extend, resume), run as the real
 * `star` command against a real dev server: an absent experiment is refused with status 1, and a
 * closed one gets the advice for its state where the command needs a running one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startDevServer, uniqueExperiment } from '../../test-support/temporal';
import { runStar } from './run-star';

void describe('star status, stop, extend and resume about one experiment', { timeout: 240_000 }, () => {
  let env: TestWorkflowEnvironment;
  let connection: Record<string, string>;
  const closed = uniqueExperiment('closed');

  before(async () => {
    env = await startDevServer();
    connection = { TEMPORAL_ADDRESS: env.address, TEMPORAL_NAMESPACE: env.namespace ?? 'default' };
    // No worker polls this queue: the run is terminated before anything runs, which closes it.
    const handle = await env.client.workflow.start('starExperiment', { taskQueue: `nobody-${closed}`, workflowId: closed, args: [{}] });
    await handle.terminate('closed for the test');
  });
  after(async () => {
    await env?.teardown();
  });

  void it('refuses an absent experiment with status 1, naming it and where it looked', () => {
    for (const args of [
      ['status', 'no-such-experiment'],
      ['stop', 'no-such-experiment'],
      ['extend', 'no-such-experiment', '5'],
      ['resume', 'no-such-experiment'],
    ]) {
      const run = runStar(args, connection);
      assert.equal(run.status, 1, `star ${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, new RegExp(`No experiment named no-such-experiment on ${env.address.replace(/\./g, '\\.')}`));
    }
  });

  void it('reports an absent experiment as JSON under status --json', () => {
    const run = runStar(['status', 'no-such-experiment', '--json'], connection);
    assert.equal(run.status, 1);
    assert.deepEqual(JSON.parse(run.stdout), { experiment: 'no-such-experiment', state: 'absent' });
  });

  void it('gives a closed experiment the advice for its state where the command needs a running one', () => {
    const stop = runStar(['stop', closed], connection);
    assert.equal(stop.status, 0, 'nothing to stop is not an error');
    assert.match(stop.stdout, new RegExp(`Experiment ${closed} was terminated\\. \`star resume ${closed}\``));
    const extend = runStar(['extend', closed, '5'], connection);
    assert.equal(extend.status, 1, 'a closed experiment cannot be extended in place');
    assert.match(extend.stdout, /was terminated/);
    const status = runStar(['status', closed], connection);
    assert.equal(status.status, 0);
    assert.match(status.stdout, new RegExp(`${closed}: terminated`));
  });
});
