/**
 * A secret given through `${VAR}` appears nowhere: an experiment whose verifier command takes
 * `--token ${STAR_TEST_SECRET}` runs with the real `star run` (on a dev server of the test's), and
 * then every file of its store, every event of every run's history and everything `star run`, `star
 * status` and `star status --json` printed is searched for the value, in every form it could be
 * printed in (as is, JSON-escaped). The verifier fails unless it was given the value, so the run
 * finishing proves it was expanded where the command ran.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ExperimentInput } from '../../contracts/experiment-input';
import { historiesOf, startDevServer, uniqueExperiment } from '../../test-support/temporal';
import { scratchDir, writeBaseConfig } from '../../test-support/experiment-input';

const bin = join(__dirname, '..', '..', 'bin', 'star.js');
const VERIFIER = join(__dirname, '..', 'fixtures', 'verifiers', 'token-check.js');
/** With a quote and a backslash (printed escaped in JSON) and long enough to be cut short by a message. */
const SECRET = `sk-live-"quo\\ted"-${randomBytes(48).toString('hex')}`;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** The forms the secret could take in output: as is, JSON-escaped once and twice, and its random tail alone. */
const forms = [SECRET, JSON.stringify(SECRET).slice(1, -1), JSON.stringify(JSON.stringify(SECRET)).slice(1, -1), SECRET.slice(-40)];
const leaks = (text: Buffer | string): string[] =>
  forms.filter((form) => (typeof text === 'string' ? text.includes(form) : text.includes(Buffer.from(form))));

void describe('a secret given through ${VAR}', { timeout: 600_000 }, () => {
  let env: TestWorkflowEnvironment;
  let dir: string;
  const exp = uniqueExperiment('secret');
  let printed = '';

  const star = (args: string[]) => {
    const run = spawnSync(process.execPath, [bin, ...args], {
      encoding: 'utf8',
      timeout: 300_000,
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: env.address,
        TEMPORAL_NAMESPACE: env.namespace ?? 'default',
        STAR_TEST_SECRET: SECRET,
        STAR_TASK_QUEUE: `secret-${exp}`,
        STAR_STATE_DIR: join(dir, 'state'),
      },
    });
    printed += `${run.stdout}${run.stderr}`;
    return run;
  };

  before(async () => {
    env = await startDevServer();
    dir = scratchDir('secrets');
  });
  after(async () => {
    await env?.teardown();
  });

  void it("runs an experiment whose verifier gets the secret from the worker's environment", () => {
    const input: ExperimentInput = {
      experiment: exp,
      task: 'arithmetic',
      storageRoot: join(dir, 'runs'),
      nIters: 2,
      nTrainSamples: 8,
      steadyGrow: true,
      startSteps: 2,
      inference: 'simulated',
      trainer: 'simulated',
      baseModelLocation: 'file:///nowhere/simulated-base',
      baseConfig: writeBaseConfig(dir),
      verifier: 'command',
      verifierCommand: `${JSON.stringify(process.execPath)} ${JSON.stringify(VERIFIER)} --token \${STAR_TEST_SECRET}`,
      arithmetic: { trainDigits: [1], devDigits: [1], trainPerDigit: 8, devPerDigit: 4 },
    };
    const file = join(dir, 'experiment.json');
    writeFileSync(file, JSON.stringify(input));
    const run = star(['run', '--headless', '--input', file]);
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, new RegExp(`Experiment ${exp} finished after 1 iteration`));
    for (const args of [
      ['status', exp],
      ['status', exp, '--json'],
      ['plan', '--input', file],
      ['plan', '--json', '--input', file],
    ]) {
      const shown = star(args);
      assert.equal(shown.status, 0, `star ${args.join(' ')}: ${shown.stderr}`);
    }
  });

  void it('appears in no stored file', () => {
    const files = filesUnder(join(dir, 'runs'));
    assert.ok(
      files.some((f) => f.endsWith('experiment.json')),
      "the store holds the experiment's files",
    );
    for (const file of files) assert.deepEqual(leaks(readFileSync(file)), [], file);
    const stored = JSON.parse(
      readFileSync(
        files.find((f) => f.endsWith('experiment.json'))!,
        'utf8',
      ),
    ) as { options?: { verifierCommand?: string }; verifierCommand?: string };
    assert.match(JSON.stringify(stored), /--token \$\{STAR_TEST_SECRET\}/, 'the template is stored as written');
  });

  void it("appears in no event of any run's history", async () => {
    const runs = await historiesOf(env.client, {
      workflowId: exp,
      firstExecutionRunId: (await env.client.workflow.getHandle(exp).describe()).runId,
    });
    assert.ok(runs.length >= 1);
    for (const { runId, history } of runs) {
      for (const event of history.events ?? []) {
        const bytes = Buffer.from(temporal.api.history.v1.HistoryEvent.encode(event).finish());
        assert.deepEqual(leaks(bytes), [], `run ${runId}, event ${String(event.eventId)}`);
      }
    }
  });

  void it('appears in nothing star printed', () => {
    assert.match(printed, /Experiment .* finished/);
    assert.deepEqual(leaks(printed), [], printed);
  });
});
