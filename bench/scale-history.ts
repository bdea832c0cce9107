/**
 * What bench/scale.ts reads from a run's history: its size, its largest payload, and when the shard
 * activities of a pass were scheduled.
 */
import type { temporal } from '@temporalio/proto';

type History = temporal.api.history.v1.IHistory;
type Event = temporal.api.history.v1.IHistoryEvent;

const ms = (e: Event) => Number(e.eventTime?.seconds ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6;

export interface HistoryMeasures {
  events: number;
  /** The encoded history's size (the server's history size limit counts this). */
  bytes: number;
  largestPayload: { bytes: number; event: string };
}

export function measureHistory(history: History, encodedBytes: number): HistoryMeasures {
  const events = history.events ?? [];
  let largest = { bytes: 0, event: '' };
  for (const e of events) {
    const size = largestPayloadIn(e);
    if (size > largest.bytes) largest = { bytes: size, event: eventName(e) };
  }
  return { events: events.length, bytes: encodedBytes, largestPayload: largest };
}

/** The largest `data` of any payload inside an event (inputs, results, failures' details, markers). */
function largestPayloadIn(value: unknown, depth = 0): number {
  if (!value || typeof value !== 'object' || depth > 12) return 0;
  if (value instanceof Uint8Array) return 0;
  const data = (value as { data?: unknown }).data;
  let most = data instanceof Uint8Array && 'metadata' in (value as object) ? data.length : 0;
  for (const child of Object.values(value as Record<string, unknown>)) most = Math.max(most, largestPayloadIn(child, depth + 1));
  return most;
}

function eventName(e: Event): string {
  const type = e.activityTaskScheduledEventAttributes?.activityType?.name;
  const attr = Object.keys(e).find((k) => k.endsWith('EventAttributes') && (e as Record<string, unknown>)[k]) ?? 'event';
  return type ? `${attr.replace('EventAttributes', '')} ${type}` : attr.replace('EventAttributes', '');
}

export interface PassSchedule {
  /** From the run's start to the first and the last shard of the pass scheduled, ms. */
  firstScheduledMs: number;
  lastScheduledMs: number;
  /** First shard scheduled to last shard closed, ms. */
  passMs: number;
  shards: number;
  /** The most shard activities pending (scheduled, not closed) at once. */
  maxPending: number;
}

export function passSchedule(history: History, activityType: string): PassSchedule | undefined {
  const events = history.events ?? [];
  const start = events[0] ? ms(events[0]) : 0;
  const ofType = new Set<string>();
  const scheduledAt: number[] = [];
  let lastClosed = 0;
  let pending = 0;
  let maxPending = 0;
  for (const e of events) {
    if (e.activityTaskScheduledEventAttributes?.activityType?.name === activityType) {
      ofType.add(String(e.eventId));
      scheduledAt.push(ms(e));
      pending += 1;
      maxPending = Math.max(maxPending, pending);
    }
    const closed =
      e.activityTaskCompletedEventAttributes ??
      e.activityTaskFailedEventAttributes ??
      e.activityTaskTimedOutEventAttributes ??
      e.activityTaskCanceledEventAttributes;
    if (closed && ofType.has(String(closed.scheduledEventId))) {
      pending -= 1;
      lastClosed = Math.max(lastClosed, ms(e));
    }
  }
  if (scheduledAt.length === 0) return undefined;
  const first = Math.min(...scheduledAt);
  const last = Math.max(...scheduledAt);
  return {
    firstScheduledMs: first - start,
    lastScheduledMs: last - start,
    passMs: lastClosed - first,
    shards: scheduledAt.length,
    maxPending,
  };
}

/** From the run's first event to its last, ms. */
export function runMs(history: History): number {
  const events = history.events ?? [];
  const first = events[0];
  const last = events[events.length - 1];
  return first && last ? ms(last) - ms(first) : 0;
}
