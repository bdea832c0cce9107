/**
 * Workflow histories as files: the proto-JSON that `temporal workflow show --output json` writes (and
 * the Web UI downloads), read back as the SDK's History objects for replay.
 */
import { dirname } from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';

export type History = proto.temporal.api.history.v1.IHistory;
type FromJson = (type: unknown, json: unknown, options: { ignoreUnknownFields: boolean }) => unknown;

/**
 * Proto-JSON history to a History object. The SDK's historyFromJSON does this too, but with the
 * protobufjs copy nested under @temporalio/common, whose `instanceof` checks reject the types of the
 * copy under @temporalio/proto that npm installs here; so the JSON reader is taken from
 * @temporalio/proto's own copy.
 */
export function historyFromCliJson(json: unknown): proto.temporal.api.history.v1.History {
  const protoDir = dirname(require.resolve('@temporalio/proto/package.json'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { fromJson } = require(require.resolve('protobufjs/ext/protojson', { paths: [protoDir] })) as { fromJson: FromJson };
  const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }).lookupType(
    'temporal.api.history.v1.History',
  );
  return fromJson(historyType, json, { ignoreUnknownFields: true }) as proto.temporal.api.history.v1.History;
}

/**
 * The experiment a history belongs to: the `experiment` of its recorded input. The workflow checks
 * that its ID is the experiment name, so a history must be replayed under that ID.
 */
export function experimentOfHistory(history: History): string | undefined {
  const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  if (!payload) return undefined;
  try {
    const input = defaultPayloadConverter.fromPayload(payload) as { experiment?: unknown } | null;
    return typeof input?.experiment === 'string' ? input.experiment : undefined;
  } catch {
    return undefined;
  }
}
