/**
 * Typed stand-ins for the experiment's activities, for tests of the workflow's own logic (what runs,
 * in which order, with which URIs, what a failure does) in seconds instead of minutes of real model.
 * Each mock answers the way the real activity would (the URIs it was told to write, counts of the
 * right shape, total_steps from the real growth rule) and every call is logged with its input, so a
 * test asserts on what the workflow asked for. Override any activity to make it fail, block or count.
 */
import { activityInfo, cancellationDetails, cancelled, heartbeat } from '@temporalio/activity';
import type { ActivityCancellationDetails } from '@temporalio/common';
import type { createActivities } from '../../activities';
import {
  PICK_RENDEZVOUS,
  TRAIN_ON_HOST,
  type PickRendezvousInput,
  type Rendezvous,
  type TrainOnHostInput,
  type TrainOnHostResult,
} from '../../contracts/activities';
import { growthSettings, totalSteps } from '../../core/step-growth';
import { checkpointUri, experimentLayout } from '../../contracts/layout';
import type { IterationMetrics } from '../../contracts/metrics';

export type StarActivities = ReturnType<typeof createActivities>;
export type ActivityName = keyof StarActivities;

/** Where the mocked `prepareExperiment` says the experiment lives; nothing is ever written there. */
export const MOCK_ROOT = 'file:///star-mock/runs';

export interface ActivityCall {
  name: string;
  input: unknown;
}

/** The mocks as the real activities would answer, writing nothing. */
export function answeringActivities(): StarActivities {
  return {
    prepareExperiment: async ({ options }) => {
      const layout = experimentLayout(MOCK_ROOT, options.experiment);
      return { root: MOCK_ROOT, baseConfigUri: layout.baseConfig, datasetDir: layout.datasetDir, trainExamples: 12, devExamples: 12 };
    },
    generateShard: async ({ outputUri }) => ({ outputUri, counts: { attempted: 6, correct: 3, hinted: 3, rationalized: 1, kept: 4 } }),
    mergeGeneration: async ({ keptTextUri, shardUris }) => {
      const n = shardUris.length;
      return { keptTextUri, counts: { attempted: 6 * n, correct: 3 * n, hinted: 3 * n, rationalized: n, kept: 4 * n } };
    },
    writeRecords: async ({ indexUri }) => ({ indexUri, examples: 8, records: 4, tokens: 196, tokenizer: 'arithmetic' }),
    writeIterationConfig: async ({ options, iteration, configUri, examples }) => ({
      configUri,
      totalSteps: totalSteps(growthSettings(options), iteration, examples),
    }),
    trainModel: async ({ modelDir, totalSteps: steps }) => ({ checkpointUri: checkpointUri(modelDir, steps), step: steps, loss: 1.5 }),
    evalShard: async ({ outputUri }) => ({ outputUri, tally: { '1': { correct: 3, total: 6 } } }),
    mergeEval: async ({ summaryUri }) => ({
      summaryUri,
      accuracy: { '1': { correct: 6, total: 12, accuracy: 0.5 } },
      overallAccuracy: 0.5,
    }),
    copyRecords: async () => ({ copied: [] }),
    recordMetrics: async ({ row }) => row as IterationMetrics,
    syncTracking: async ({ trackers }) => ({ runs: Object.fromEntries(trackers.map((t) => [t, { runId: `mock-${t}`, logged: 1 }])) }),
  };
}

/** A host's `trainOnHost` as a host worker would answer: the final checkpoint from host 0. */
export async function answerTrainOnHost(input: TrainOnHostInput): Promise<TrainOnHostResult> {
  return {
    host: input.host,
    checkpointUri: input.hostIndex === 0 ? checkpointUri(input.modelDir, input.totalSteps) : undefined,
    step: input.totalSteps,
  };
}

/**
 * Runs until the workflow cancels it, heartbeating so the cancellation reaches it (a worker learns of
 * a cancel request only from a heartbeat's answer), then raises the cancellation as a real activity
 * does. `onCancelled` sees why first (`cancelRequested`: the workflow asked).
 */
export async function untilCancelled(onCancelled: (details: ActivityCancellationDetails | undefined) => void): Promise<never> {
  const beat = setInterval(() => heartbeat(), 20);
  try {
    return await cancelled();
  } catch (err) {
    onCancelled(cancellationDetails());
    throw err;
  } finally {
    clearInterval(beat);
  }
}

/** Logs calls and lets a test wait for one: `await log.next('trainModel')`. */
export class CallLog {
  readonly calls: ActivityCall[] = [];
  private waiters: { name: string; match: (input: unknown) => boolean; resolve: (input: unknown) => void }[] = [];

  record(name: string, input: unknown): void {
    this.calls.push({ name, input });
    this.waiters = this.waiters.filter((w) => {
      if (w.name !== name || !w.match(input)) return true;
      w.resolve(input);
      return false;
    });
  }

  /** Inputs of every call of one activity, in call order. */
  inputs<N extends ActivityName>(name: N): Parameters<StarActivities[N]>[0][];
  inputs(name: string): unknown[];
  inputs(name: string): unknown[] {
    return this.calls.filter((c) => c.name === name).map((c) => c.input);
  }

  names(): string[] {
    return this.calls.map((c) => c.name);
  }

  /** Resolves with the input of the first call of `name` (matching `match`), past or future. */
  next<T = unknown>(name: string, match: (input: T) => boolean = () => true): Promise<T> {
    const seen = this.calls.find((c) => c.name === name && match(c.input as T));
    if (seen) return Promise.resolve(seen.input as T);
    return new Promise((resolve) =>
      this.waiters.push({ name, match: (input) => match(input as T), resolve: (input) => resolve(input as T) }),
    );
  }
}

/**
 * The mock activities (answering ones, with `overrides` in their place), each logging its call
 * before it runs.
 */
export function mockActivities(overrides: Partial<StarActivities> = {}): { activities: StarActivities; log: CallLog } {
  const log = new CallLog();
  const chosen: StarActivities = { ...answeringActivities(), ...overrides };
  const logged = {} as Record<ActivityName, (input: never) => Promise<unknown>>;
  for (const name of Object.keys(chosen) as ActivityName[]) {
    const fn = chosen[name] as (input: unknown) => Promise<unknown>;
    logged[name] = (input: unknown) => {
      log.record(name, input);
      return fn(input);
    };
  }
  return { activities: logged as unknown as StarActivities, log };
}

/** A promise the test settles by hand: hold an activity until the test has done its part. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

export type TrainOnHost = (input: TrainOnHostInput) => Promise<TrainOnHostResult>;
export type PickRendezvous = (input: PickRendezvousInput) => Promise<Rendezvous>;

/**
 * The activities of one long-lived worker (and of host workers), handing each call to the mocks a
 * test registered for the call's workflow, whose ID is the experiment. Starting a worker per test
 * costs seconds; one worker for a whole file and a registration per test costs nothing, and tests
 * cannot see each other's calls.
 */
interface Mocks {
  activities: StarActivities;
  hosts: Record<string, TrainOnHost>;
  rendezvous: Record<string, PickRendezvous>;
}

export class MockRegistry {
  private readonly byExperiment = new Map<string, Mocks>();

  /**
   * Mocks for one experiment; `hosts` answer the `command` trainer's `trainOnHost`, by host name, and
   * `rendezvous` its `pickRendezvous`.
   */
  register(
    experiment: string,
    activities: StarActivities,
    hosts: Record<string, TrainOnHost> = {},
    rendezvous: Record<string, PickRendezvous> = {},
  ): void {
    this.byExperiment.set(experiment, { activities, hosts, rendezvous });
  }

  private mocksOf(): Mocks {
    const workflowId = activityInfo().workflowExecution?.workflowId ?? '(none)';
    const mocks = this.byExperiment.get(workflowId);
    if (!mocks) throw new Error(`no mock activities registered for experiment ${workflowId}: call register() before starting it`);
    return mocks;
  }

  /** For the experiment worker. */
  workerActivities(): StarActivities {
    const out = {} as Record<ActivityName, (input: never) => Promise<unknown>>;
    for (const name of Object.keys(answeringActivities()) as ActivityName[]) {
      out[name] = (input: never) => (this.mocksOf().activities[name] as (input: never) => Promise<unknown>)(input);
    }
    return out as unknown as StarActivities;
  }

  /** For a host worker (task queue `star-host-{host}`). */
  hostActivities(): { [TRAIN_ON_HOST]: TrainOnHost; [PICK_RENDEZVOUS]: PickRendezvous } {
    return {
      [TRAIN_ON_HOST]: (input: TrainOnHostInput) => {
        const fn = this.mocksOf().hosts[input.host];
        if (!fn) throw new Error(`no mock trainOnHost registered for host ${input.host}`);
        return fn(input);
      },
      [PICK_RENDEZVOUS]: (input: PickRendezvousInput) => {
        const fn = this.mocksOf().rendezvous[input.host];
        if (!fn) throw new Error(`no mock pickRendezvous registered for host ${input.host}`);
        return fn(input);
      },
    };
  }
}
