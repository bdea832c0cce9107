/**
 * Replays every committed history (test/histories/*.json, captured from real runs by
 * test/histories/capture.ts) against the current workflow code: a change that would break running
 * experiments fails here.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { defaultPayloadConverter } from '@temporalio/common';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';
import { Worker } from '@temporalio/worker';
import { installQuietRuntime, workflowBundle } from '../helpers/temporal';

const historiesDir = join(__dirname, '..', 'histories');

type History = proto.temporal.api.history.v1.History;
type FromJson = (type: unknown, json: unknown, options: { ignoreUnknownFields: boolean }) => unknown;

/**
 * Proto-JSON history (as `temporal workflow show --output json` writes it) to a History object. The
 * SDK's historyFromJSON does this too, but with the protobufjs copy nested under @temporalio/common,
 * whose `instanceof` checks reject the types of the copy under @temporalio/proto that npm installs
 * here; so the JSON reader is taken from @temporalio/proto's own copy.
 */
function historyFromCliJson(json: unknown): History {
  const protoDir = dirname(require.resolve('@temporalio/proto/package.json'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { fromJson } = require(require.resolve('protobufjs/ext/protojson', { paths: [protoDir] })) as { fromJson: FromJson };
  const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }).lookupType('temporal.api.history.v1.History');
  return fromJson(historyType, json, { ignoreUnknownFields: true }) as History;
}

function loadHistories() {
  return readdirSync(historiesDir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => {
      const history = historyFromCliJson(JSON.parse(readFileSync(join(historiesDir, name), 'utf8')));
      // The workflow checks that its ID is the experiment name, so replay under the recorded one.
      const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
      const payload = started?.input?.payloads?.[0];
      const input = payload ? (defaultPayloadConverter.fromPayload(payload) as { experiment?: string }) : {};
      return { name, workflowId: input.experiment ?? name, history };
    });
}

void describe('replaying committed histories', { timeout: 120_000 }, () => {
  void it('replays every captured history without a determinism error', async () => {
    installQuietRuntime();
    const histories = loadHistories();
    assert.ok(histories.length >= 5, `expected the captured histories in ${historiesDir}; run npx tsx test/histories/capture.ts`);
    const results = Worker.runReplayHistories({ workflowBundle: await workflowBundle(), replayName: 'star-replay' }, histories);
    let replayed = 0;
    for await (const result of results) {
      replayed += 1;
      assert.equal(result.error, undefined, `${result.workflowId}: ${String(result.error)}`);
    }
    assert.equal(replayed, histories.length);
  });
});
