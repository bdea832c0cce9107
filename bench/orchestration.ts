/**
 * `npx tsx bench/orchestration.ts [--input experiment.json] [--iterations N] [--samples N] [--steps N]`: the share of an
 * experiment's wall time spent outside activity execution — scheduling, workflow tasks, history,
 * continue-as-new — measured from the histories of a real run on a local dev server.
 *
 * Wall time runs from the first run's start event to the last run's close event; activity time is the
 * union of every activity's [started, closed] interval (parallel shards overlap, so a sum would
 * overcount). Default input: the tiny arithmetic experiment of the tests, whose activities take well
 * under a second, which makes it a harsh case: a real demo iteration runs for minutes.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { temporal } from '@temporalio/proto';
import { starExperiment } from '../workflows/star-experiment';
import type { ExperimentInput } from '../contracts/experiment-input';
import { historiesOf, startDevServer, startWorker, uniqueExperiment } from '../test-support/temporal';
import { scratchDir, tinyExperiment, writeBaseConfig } from '../test-support/experiment-input';
import { tinyBaseModel } from '../test-support/tiny-model';

type Event = temporal.api.history.v1.IHistoryEvent;

const ms = (e: Event) => Number(e.eventTime?.seconds ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6;

/** Activity [started, closed] intervals of one run, by scheduled event id. */
function activityIntervals(events: Event[]): [number, number][] {
  const started = new Map<number, number>();
  const out: [number, number][] = [];
  for (const e of events) {
    const startedAttrs = e.activityTaskStartedEventAttributes;
    if (startedAttrs) started.set(Number(startedAttrs.scheduledEventId), ms(e));
    const closed =
      e.activityTaskCompletedEventAttributes ??
      e.activityTaskFailedEventAttributes ??
      e.activityTaskTimedOutEventAttributes ??
      e.activityTaskCanceledEventAttributes;
    if (closed) {
      const begin = started.get(Number(closed.scheduledEventId));
      if (begin !== undefined) out.push([begin, ms(e)]);
    }
  }
  return out;
}

/** Where the time outside activities goes: waiting to start (schedule-to-start) vs. the rest. */
function scheduleToStart(events: Event[]): number {
  const scheduled = new Map<number, number>();
  let total = 0;
  for (const e of events) {
    if (e.activityTaskScheduledEventAttributes) scheduled.set(Number(e.eventId), ms(e));
    const started = e.activityTaskStartedEventAttributes;
    if (started) total += ms(e) - (scheduled.get(Number(started.scheduledEventId)) ?? ms(e));
  }
  return total;
}

function unionLength(intervals: [number, number][]): number {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let cur: [number, number] | undefined;
  for (const [a, b] of sorted) {
    if (!cur || a > cur[1]) {
      if (cur) total += cur[1] - cur[0];
      cur = [a, b];
    } else cur[1] = Math.max(cur[1], b);
  }
  if (cur) total += cur[1] - cur[0];
  return total;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      input: { type: 'string' },
      iterations: { type: 'string', default: '3' },
      samples: { type: 'string', default: '48' },
      steps: { type: 'string', default: '4' },
    },
  });
  const env = await startDevServer();
  const worker = await startWorker(env);
  try {
    const exp = uniqueExperiment('bench');
    let input: ExperimentInput;
    if (values.input) {
      const fromFile = JSON.parse(readFileSync(values.input, 'utf8')) as ExperimentInput;
      input = { ...fromFile, experiment: exp, nIters: Number(values.iterations) + 1, storageRoot: scratchDir('bench') };
    } else {
      const root = scratchDir('bench');
      input = tinyExperiment(exp, root, await tinyBaseModel(), writeBaseConfig(root), {
        nIters: Number(values.iterations) + 1,
        nTrainSamples: Number(values.samples),
        startSteps: Number(values.steps),
        arithmetic: {
          trainDigits: [1, 2],
          devDigits: [1, 2],
          trainPerDigit: Number(values.samples) / 2,
          devPerDigit: Number(values.samples) / 2,
        },
      });
    }
    const handle = await env.client.workflow.start(starExperiment, { taskQueue: worker.taskQueue, workflowId: exp, args: [input] });
    await handle.result();
    const runs = await historiesOf(env.client, handle);
    const events = runs.flatMap((r) => r.history.events ?? []);
    const wall = ms(events[events.length - 1] as Event) - ms(events[0] as Event);
    const intervals = runs.flatMap((r) => activityIntervals(r.history.events ?? []));
    const busy = unionLength(intervals);
    const outside = wall - busy;
    console.log(`experiment ${exp}: ${runs.length} runs (continue-as-new per iteration), ${intervals.length} activities`);
    console.log(
      `wall ${(wall / 1000).toFixed(2)} s, activities ${(busy / 1000).toFixed(2)} s, outside activities ${(outside / 1000).toFixed(3)} s`,
    );
    const waiting = runs.reduce((sum, r) => sum + scheduleToStart(r.history.events ?? []), 0);
    console.log(`of which activities waiting to start (schedule-to-start, summed): ${(waiting / 1000).toFixed(3)} s`);
    console.log(`outside activities per iteration: ${(outside / runs.length / 1000).toFixed(3)} s`);
    console.log(
      `orchestration share: ${((100 * outside) / wall).toFixed(2)}% (target < 2%); per activity: ${(outside / intervals.length).toFixed(1)} ms`,
    );
  } finally {
    await worker.stop();
    await env.teardown();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
