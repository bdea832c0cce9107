/**
 * The committed histories (test/histories/*.json, `temporal workflow show --output json` of real
 * runs, captured by test/histories/capture.ts), read back as the SDK's History objects for replay.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';

export const HISTORIES_DIR = join(__dirname, '..', 'histories');

export type History = proto.temporal.api.history.v1.History;
type FromJson = (type: unknown, json: unknown, options: { ignoreUnknownFields: boolean }) => unknown;

/**
 * Proto-JSON history (as `temporal workflow show --output json` writes it) to a History object. The
 * SDK's historyFromJSON does this too, but with the protobufjs copy nested under @temporalio/common,
 * whose `instanceof` checks reject the types of the copy under @temporalio/proto that npm installs
 * here; so the JSON reader is taken from @temporalio/proto's own copy.
 */
export function historyFromCliJson(json: unknown): History {
  const protoDir = dirname(require.resolve('@temporalio/proto/package.json'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { fromJson } = require(require.resolve('protobufjs/ext/protojson', { paths: [protoDir] })) as { fromJson: FromJson };
  const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }).lookupType('temporal.api.history.v1.History');
  return fromJson(historyType, json, { ignoreUnknownFields: true }) as History;
}

export interface CommittedHistory {
  /** The file name, e.g. `two-iterations-1.json`. */
  name: string;
  /** The recorded workflow ID: the workflow checks that its ID is the experiment name, so replay under it. */
  workflowId: string;
  history: History;
}

/** One committed history, freshly parsed (a test may alter it). */
export function loadHistory(name: string): CommittedHistory {
  const history = historyFromCliJson(JSON.parse(readFileSync(join(HISTORIES_DIR, name), 'utf8')));
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  const payload = started?.input?.payloads?.[0];
  const input = payload ? (defaultPayloadConverter.fromPayload(payload) as { experiment?: string }) : {};
  return { name, workflowId: input.experiment ?? name, history };
}

export function loadHistories(): CommittedHistory[] {
  return readdirSync(HISTORIES_DIR)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map(loadHistory);
}
