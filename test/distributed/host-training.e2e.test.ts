/**
 * The `command` trainer across hosts, for real: a Temporal dev server, two host workers as separate
 * processes (`workers/host.ts --host …`, task queues `star-host-…`), the embedded trainer's own command
 * line (`npx tsx model/train-cli.ts`) as the trainer, and gs:// storage on the GCS emulator
 * (file:// with SKIP_GCS=1). The workflow is the real `trainOnHosts` step (test-support/workflows/host-training.ts).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { hostTaskQueue } from '../../contracts/task-queues';
import { writeTfRecords } from '../../dataset-files/records';
import { arithmeticTokenizer, createModel, initBackend, readManifest, saveCheckpoint } from '../../model';
import { groupAlive } from '../../processes/process-group';
import { pendingActivityProgress } from '../../cli/activity-progress';
import { exists, joinUri, normaliseRoot, readBytes, readText, writeJson } from '../../storage';
import { gcsSkipReason, startGcsEmulator, type GcsEmulator } from '../helpers/gcs-emulator';
import { startDevServer } from '../../test-support/temporal';
import { TINY, scratchpadExample } from '../model/fixtures';
import { processesMentioning, startWorkerProcess, trainerWorkdir, waitUntil, type WorkerProcess } from '../../test-support/processes';
import type { HostTrainingInput } from '../../test-support/workflows/host-training';

const TRAIN_CLI = 'npx tsx model/train-cli.ts --config {config} --tune-model-path {base_model}';
const CRASH_AFTER_TRAINING = 'npx tsx test/distributed/fixtures/train-then-crash.ts --config {config} --tune-model-path {base_model}';
const HEARTBEAT_SECONDS = 5;

void describe('command trainer on two host workers', { timeout: 600_000 }, () => {
  let env: TestWorkflowEnvironment;
  let gcs: GcsEmulator | undefined;
  let workflowWorker: Worker;
  let workflowWorkerRun: Promise<void>;
  let taskQueue: string;
  let root: string;
  let baseModel: string;
  let indexUri: string;
  const stateDir = mkdtempSync(join(tmpdir(), 'star-hosts-'));
  const runsFile = join(stateDir, 'trainer-runs.txt');
  const hosts = [`h0-${randomUUID().slice(0, 6)}`, `h1-${randomUUID().slice(0, 6)}`];
  const workers = new Map<string, WorkerProcess>();
  // Each host its own working directory, as on separate machines.
  const workdirs = new Map(hosts.map((host) => [host, trainerWorkdir(`star-workdir-${host}-`)]));

  const startHost = async (host: string) => {
    const worker = startWorkerProcess(
      host,
      'workers/host.ts',
      ['--host', host, '--workdir', workdirs.get(host)!, '--state-dir', stateDir, '--kill-grace-seconds', '3', '--quiet'],
      {
        ...process.env,
        TEMPORAL_ADDRESS: env.address,
        TEMPORAL_NAMESPACE: 'default',
        STAR_TEST_RUNS: runsFile,
        STAR_TEST_TAG: host,
      },
    );
    workers.set(host, worker);
    await worker.waitFor(/star host worker/, 60_000);
    return worker;
  };

  before(async () => {
    gcs = gcsSkipReason() ? undefined : await startGcsEmulator('star-hosts');
    env = await startDevServer();
    root = gcs ? `gs://${gcs.bucket}/${randomUUID().slice(0, 8)}` : normaliseRoot(mkdtempSync(join(tmpdir(), 'star-hosts-root-')));
    await initBackend(() => {});
    baseModel = joinUri(root, 'base');
    await saveCheckpoint(createModel(TINY, { seed: 2 }), baseModel, { step: 0 });
    const texts = Array.from({ length: 30 }, (_, i) => scratchpadExample(10 + i, 40 + 2 * i));
    ({ indexUri } = await writeTfRecords({
      texts,
      tokenizer: arithmeticTokenizer(),
      seq: TINY.seq,
      outputPrefixUri: joinUri(root, 'records', 'train'),
    }));

    taskQueue = `host-training-${randomUUID()}`;
    workflowWorker = await Worker.create({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      workflowsPath: require.resolve('../../test-support/workflows/host-training'),
    });
    workflowWorkerRun = workflowWorker.run();
    await Promise.all(hosts.map(startHost));
  });

  after(async () => {
    await Promise.all([...workers.values()].map((w) => w.stop()));
    if (workflowWorker) {
      workflowWorker.shutdown();
      await workflowWorkerRun;
    }
    await env?.teardown();
    await gcs?.stop();
  });

  /** An iteration config for the embedded trainer, in its own model folder. */
  async function iteration(name: string, totalSteps: number) {
    const dir = joinUri(root, name);
    const modelDir = joinUri(dir, 'models');
    const configUri = joinUri(dir, 'config.json');
    await writeJson(configUri, {
      train_set: indexUri,
      total_steps: totalSteps,
      lr: 3e-3,
      warmup_steps: 1,
      ckpt_every: 1000,
      per_replica_batch: 2,
      gradient_accumulation_steps: 1,
      model_dir: modelDir,
    });
    return { dir, modelDir, configUri, logDir: joinUri(dir, 'logs'), trainSet: `${name}/${name}.index` };
  }

  function start(
    name: string,
    it: Awaited<ReturnType<typeof iteration>>,
    totalSteps: number,
    commandTemplate: string,
    overrides: Partial<HostTrainingInput['base']> = {},
  ) {
    const input: HostTrainingInput = {
      hosts,
      heartbeatTimeoutSeconds: HEARTBEAT_SECONDS,
      base: {
        iteration: 1,
        configUri: it.configUri,
        baseCheckpointUri: baseModel,
        commandTemplate,
        totalSteps,
        modelDir: it.modelDir,
        indexUri,
        trainSet: it.trainSet,
        ...overrides,
      },
      logDir: it.logDir,
    };
    return env.client.workflow.start('hostTraining', { taskQueue, workflowId: `${name}-${randomUUID().slice(0, 8)}`, args: [input] });
  }

  async function startedEvents(workflowId: string) {
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    const events = history.events ?? [];
    const scheduled = new Map(
      events.filter((e) => e.activityTaskScheduledEventAttributes).map((e) => [String(e.eventId), e.activityTaskScheduledEventAttributes!]),
    );
    return events
      .filter((e) => e.activityTaskStartedEventAttributes)
      .map((e) => {
        const started = e.activityTaskStartedEventAttributes!;
        return { started, scheduled: scheduled.get(String(started.scheduledEventId))! };
      });
  }

  void it('trains on both hosts, each on its own task queue in its own worker process, and returns the real final checkpoint', async () => {
    const it = await iteration('two-hosts', 4);
    const handle = await start('two-hosts', it, 4, TRAIN_CLI);
    const result = await handle.result();

    assert.equal(result.step, 4);
    assert.equal(result.checkpointUri, joinUri(it.modelDir, 'step_4'));
    assert.equal((await readManifest(result.checkpointUri)).step, 4, 'the trainer wrote a real checkpoint at step 4');

    const started = await startedEvents(handle.workflowId);
    const logs: string[] = [];
    assert.deepEqual(started.map((s) => s.scheduled.taskQueue?.name).sort(), hosts.map(hostTaskQueue).sort());
    for (const host of hosts) {
      const run = started.find((s) => s.scheduled.taskQueue?.name === hostTaskQueue(host));
      assert.match(
        run?.started.identity ?? '',
        new RegExp(`^host ${host} ${workers.get(host)?.pid}@`),
        `host ${host} ran in its own worker process`,
      );
      const log = await readText(joinUri(it.logDir, `${host}.log`));
      logs.push(log);
      // Both hosts write one model_dir, as device_train.py's hosts do: a host whose trainer starts after
      // the other has finished finds step_4 and reports it without training again.
      assert.ok(log.includes(`checkpoint ${result.checkpointUri}\n`), `the log of ${host} holds the trainer's output`);
      assert.match(log, /"--config"/, 'the log names the command');
      assert.deepEqual(
        readFileSync(join(workdirs.get(host)!, 'data', it.trainSet)),
        await readBytes(indexUri),
        `${host} copied the index to data/{train_set} of its working directory, where device_train.py reads it`,
      );
    }
    assert.match(logs.join('\n'), /^step 4 loss \d+\.\d+$/m, 'a trainer trained to step 4');
  });

  void it('gives the command the copied index as {train_index}', async () => {
    const it = await iteration('train-index', 2);
    // The config names no training set: only --train-set {train_index} does.
    await writeJson(it.configUri, {
      train_set: 'nowhere/missing.index',
      total_steps: 2,
      lr: 3e-3,
      warmup_steps: 1,
      ckpt_every: 1000,
      per_replica_batch: 2,
      model_dir: it.modelDir,
    });
    const result = await (await start('train-index', it, 2, `${TRAIN_CLI} --train-set {train_index}`)).result();
    assert.equal((await readManifest(result.checkpointUri)).step, 2);
  });

  void it("stops every trainer process in both hosts' process groups when the workflow is cancelled", async () => {
    const it = await iteration('cancel', 1_000_000);
    const handle = await start('cancel', it, 1_000_000, TRAIN_CLI);
    // Both trainers are running (and training) once each log shows a step.
    const groups: number[] = [];
    for (const host of hosts) {
      const logUri = joinUri(it.logDir, `${host}.log`);
      await waitUntil(
        async () => (await exists(logUri)) && /^step \d+ loss/m.test(await readText(logUri)),
        120_000,
        `${host} to train a step`,
      );
      const started = [
        ...workers
          .get(host)!
          .output()
          .matchAll(/started npx \(process group (\d+)\)/g),
      ].map((m) => Number(m[1]));
      groups.push(started[started.length - 1]);
    }
    assert.ok(
      groups.every((g) => groupAlive(g)),
      'both trainers run before the cancellation',
    );
    const progress = await pendingActivityProgress(env.client, handle.workflowId);
    assert.deepEqual(
      progress.map((p) => (p.progress?.kind === 'training' ? p.progress.host : undefined)).sort(),
      [...hosts].sort(),
      "each host's training heartbeat names its host",
    );
    assert.ok(processesMentioning(it.configUri).length >= 2, 'the trainer processes carry the config in their arguments');

    await handle.cancel();
    await assert.rejects(handle.result(), (err: unknown) => err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure);
    // The activities learn of the cancellation on their next heartbeat, then stop their groups.
    await waitUntil(() => groups.every((g) => !groupAlive(g)), 60_000, 'both trainer process groups to be gone');
    assert.deepEqual(processesMentioning(it.configUri), [], 'no process with the config in its arguments is left');
    for (const host of hosts) {
      await waitUntil(
        async () => /process group \d+ stopped/.test(await readText(joinUri(it.logDir, `${host}.log`))),
        20_000,
        `${host}'s log to record the stop`,
      );
    }
  });

  void it('retries a host whose trainer died after saving, and the retry returns the checkpoint without training again', async () => {
    writeFileSync(runsFile, '');
    const it = await iteration('retry', 3);
    const handle = await start('retry', it, 3, CRASH_AFTER_TRAINING);
    const result = await handle.result();

    assert.equal(result.step, 3);
    assert.equal((await readManifest(joinUri(it.modelDir, 'step_3'))).step, 3);
    const runs = readFileSync(runsFile, 'utf8').trim().split('\n').sort();
    assert.deepEqual(runs, hosts.map((h) => `${h} trained (status 0)`).sort(), 'each host trained once: the retries ran nothing');
    const started = await startedEvents(handle.workflowId);
    assert.equal(started.length, 2);
    for (const { started: s } of started) {
      assert.equal(s.attempt, 2, 'the completed attempt is the retry');
      // Both hosts train one model_dir: a host whose trainer starts after the other saved step_3 resumes
      // there and trains no step, so its failure reports step 0; either way the attempt died after the save.
      assert.match(s.lastFailure?.message ?? '', /exited with status 1 at step [03] of 3/);
    }
    for (const host of hosts) {
      const log = await readText(joinUri(it.logDir, `${host}.log`));
      assert.match(
        log,
        /attempt 1[\s\S]*simulated crash after training[\s\S]*attempt 2: the final checkpoint .*step_3 is complete \(manifest\.json\); nothing to run/,
      );
    }
  });

  void it('fails at once, without retries, when the base checkpoint is missing, the program is not installed or the trainer rejects its config', async () => {
    const it = await iteration('bad-input', 2);
    const missing = joinUri(root, 'no-such-base');
    const noBase = await start('no-base', it, 2, TRAIN_CLI, { baseCheckpointUri: missing });
    await assert.rejects(noBase.result(), (err: unknown) => {
      assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ActivityFailure);
      const cause = err.cause.cause;
      assert.ok(cause instanceof ApplicationFailure && cause.nonRetryable);
      assert.match(cause.message, new RegExp(`base checkpoint .*${missing.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} does not exist`));
      return true;
    });
    const noProgram = await start('no-program', it, 2, 'no-such-trainer-xyz --config {config}');
    await assert.rejects(noProgram.result(), (err: unknown) => {
      assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ActivityFailure);
      assert.match(err.cause.cause?.message ?? '', /command no-such-trainer-xyz not found on PATH/);
      return true;
    });
    // The trainer itself refuses the config (train-cli exits 2, like argparse on bad arguments).
    const badConfig = await iteration('bad-config', 2);
    await writeJson(badConfig.configUri, {
      train_set: indexUri,
      total_steps: 2,
      lr: 'fast',
      warmup_steps: 0,
      ckpt_every: 2,
      per_replica_batch: 2,
      model_dir: badConfig.modelDir,
    });
    const usage = await start('bad-config', badConfig, 2, TRAIN_CLI);
    await assert.rejects(usage.result(), (err: unknown) => {
      assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ActivityFailure);
      const cause = err.cause.cause;
      assert.ok(cause instanceof ApplicationFailure && cause.nonRetryable && cause.type === 'TrainerUsageError');
      assert.match(cause.message, /exited with status 2[\s\S]*invalid[\s\S]*lr/);
      return true;
    });
    const noIndex = await start('no-index', it, 2, TRAIN_CLI, { indexUri: joinUri(root, 'no-such.index') });
    await assert.rejects(noIndex.result(), (err: unknown) => {
      assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ActivityFailure);
      assert.match(err.cause.cause?.message ?? '', /the records index \(indexUri\) .*no-such\.index does not exist/);
      return true;
    });
    for (const handle of [noBase, noProgram, usage, noIndex]) {
      const started = await startedEvents(handle.workflowId);
      assert.ok(
        started.every((s) => s.started.attempt === 1),
        'bad input is not retried',
      );
    }
  });

  void it("stops the trainer's process group when its host worker is shut down (SIGTERM), and the attempt is retried once it is back", async () => {
    const it = await iteration('shutdown', 1_000_000);
    const handle = await start('shutdown', it, 1_000_000, TRAIN_CLI);
    const host = hosts[1];
    const logUri = joinUri(it.logDir, `${host}.log`);
    await waitUntil(
      async () => (await exists(logUri)) && /^step \d+ loss/m.test(await readText(logUri)),
      120_000,
      `${host} to train a step`,
    );
    const group = Number(
      [
        ...workers
          .get(host)!
          .output()
          .matchAll(/started npx \(process group (\d+)\)/g),
      ].pop()?.[1],
    );
    assert.ok(groupAlive(group));

    await workers.get(host)!.stop(); // SIGTERM: the worker shuts down, cancelling its activity
    assert.equal(groupAlive(group), false, 'the trainer stopped with its worker');
    // The trainer may still print a line between the SIGTERM and its exit.
    assert.match(
      await readText(logUri),
      /cancelled \(WORKER_SHUTDOWN\): stopping process group (\d+)\n(?:[^=\n][^\n]*\n)*=== process group \1 stopped/,
    );

    const restarted = await startHost(host);
    await restarted.waitFor(/started npx \(process group \d+\)/, 90_000);
    await handle.cancel();
    await assert.rejects(handle.result());
    await waitUntil(() => processesMentioning(it.configUri).length === 0, 60_000, 'every trainer of the run to stop');
  });

  void it('stops a quiet trainer that a SIGKILLed host worker left behind before its restarted worker starts another', async () => {
    // A trainer that prints dies of the broken pipe once its worker is gone; one that is quiet (loading
    // or compiling for minutes) keeps running, and only the note in the state folder finds it. `sleep`
    // stands for that quiet phase; its argument is unique to this test, so its processes can be found.
    const it = await iteration('orphan', 1_000_000);
    const quiet = `sleep ${1_000_000 + Math.floor(Math.random() * 1_000_000)}`;
    const handle = await start('orphan', it, 1_000_000, quiet);
    const host = hosts[0];
    const first = await workers.get(host)!.waitFor(/started sleep \(process group (\d+)\)/, 60_000);
    const orphan = Number(first[1]);

    await workers.get(host)!.crash();
    assert.ok(groupAlive(orphan), 'a SIGKILLed worker cannot stop its trainer: the group outlives it');
    const restarted = await startHost(host);
    // After the heartbeat timeout the server gives the attempt to the restarted worker, which stops the leftover first.
    await restarted.waitFor(new RegExp(`stopping trainer process group ${orphan} .* left by an earlier worker`), 90_000);
    const second = await restarted.waitFor(/started sleep \(process group (\d+)\)/, 60_000);
    assert.notEqual(Number(second[1]), orphan);
    assert.equal(groupAlive(orphan), false, 'the leftover trainer is gone');

    await handle.cancel();
    await assert.rejects(handle.result());
    await waitUntil(() => processesMentioning(quiet).length === 0, 60_000, 'every trainer of the run to stop');
  });
});
