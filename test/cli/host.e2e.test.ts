/**
 * `star host`: the host worker as a CLI command beside `star worker`, started through the same
 * start-up path as the experiment worker.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { hostTaskQueue } from '../../contracts/task-queues';
import { startWorkerProcess, waitUntil, type WorkerProcess } from '../../test-support/processes';
import { startDevServer } from '../../test-support/temporal';
import { runStar } from './run-star';

void describe('star host', () => {
  void it('prints its usage with --help, named as the star command', () => {
    const run = runStar(['host', '--help']);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^usage: star host --host NAME /);
    assert.match(run.stdout, /--kill-grace-seconds N/);
  });

  void it('is listed beside star worker in star --help', () => {
    const run = runStar(['--help']);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /\n {2}worker +run a worker[^\n]*\n {2}host +run the host worker/);
  });

  void it('refuses to start without a host name, with its usage, exit status 2', () => {
    const run = runStar(['host'], { STAR_HOST: undefined });
    assert.equal(run.status, 2, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stderr, /--host is required \(or STAR_HOST\)\nusage: star host --host NAME/);
  });
});

void describe('star host on a dev server', { timeout: 300_000 }, () => {
  let env: TestWorkflowEnvironment;
  let worker: WorkerProcess | undefined;
  const host = `cli-${randomUUID().slice(0, 8)}`;

  before(async () => {
    env = await startDevServer();
  });

  after(async () => {
    await worker?.stop();
    await env?.teardown();
  });

  void it('polls its host task queue as that host until SIGTERM, then exits 0', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'star-host-cli-'));
    worker = startWorkerProcess('star host', 'cli/main.ts', ['host', '--host', host, '--state-dir', stateDir, '--quiet'], {
      ...process.env,
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_NAMESPACE: 'default',
    });
    await worker.waitFor(
      new RegExp(`star host worker ${host} on ${env.address.replace(/\./g, '\\.')} .*task queue ${hostTaskQueue(host)}`),
      120_000,
    );
    const pollers = async () =>
      (
        await env.client.workflowService.describeTaskQueue({
          namespace: 'default',
          taskQueue: { name: hostTaskQueue(host) },
          taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
        })
      ).pollers ?? [];
    await waitUntil(
      async () => (await pollers()).some((p) => p.identity?.startsWith(`host ${host} `)),
      60_000,
      `a poller of ${hostTaskQueue(host)} named host ${host}`,
    );
    const running = worker;
    await running.stop();
    assert.equal(
      running.child.exitCode,
      0,
      `exit code ${running.child.exitCode}, signal ${running.child.signalCode}:\n${running.output()}`,
    );
  });
});
