/**
 * A whole STaR experiment on a real Hugging Face model (`npm run test:llm`): the real `starExperiment`
 * on a Temporal dev server, two iterations of tiny arithmetic, the tiny random model of
 * scripts/make-tiny-lm.ts as base, trained by the -hf presets' trainer command and sampled through the
 * presets' `transformers serve`, both run by one host worker. A random model answers ~nothing right,
 * so the mechanics are asserted, not accuracy: both iterations finish, each checkpoint is loaded by a
 * new server, the metrics rows are written. A copying converter (`convertCommandTemplate`) stands in
 * for to_hf_weights.py, so the served checkpoints are the converted folders.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { servedCheckpoint } from '../host/served-checkpoint';
import { llmPython, makeTinyLm, ROOT } from '../scripts/make-tiny-lm';
import { normaliseRoot } from '../storage';
import type { ExperimentInput } from '../contracts/experiment-input';
import { iterationLayout } from '../contracts/layout';
import type { IterationMetrics } from '../contracts/metrics';
import { starExperiment } from '../workflows/star-experiment';
import { waitUntil } from '../test-support/processes';
import { uniqueExperiment } from '../test-support/temporal';
import { projectHostSuite } from './helpers/project-host';
import { scratchDir } from '../test-support/experiment-input';
import { presetCommandTemplate, presetField } from './helpers/trainer-command';
import { seedWorkedRecords, writeTinyBaseConfig } from './helpers/tiny-hf-experiment';

const python = llmPython();

void describe('a 2-iteration experiment on a real Hugging Face model, trained and served on a host', { timeout: 30 * 60_000 }, () => {
  const dir = scratchDir('llm-exp');
  const tiny = join(dir, 'tiny-lm');
  const root = join(dir, 'runs');
  const hostName = `llm-${process.pid}`;
  const stateDir = join(dir, 'host-state');
  const hostEnv = { ...process.env, HF_HUB_OFFLINE: '1', OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? '1' };

  const suite = projectHostSuite(dir, hostName, {
    environment: hostEnv,
    prepare: () => {
      assert.ok(existsSync(python), `${python} does not exist: run \`bash scripts/setup-llm.sh\` (npm run test:llm does)`);
      makeTinyLm(tiny);
    },
  });

  void it('finishes both iterations; each converted checkpoint is served by a new transformers serve; the metrics rows exist', async () => {
    const exp = uniqueExperiment('llm');
    seedWorkedRecords(root, exp);
    const input: ExperimentInput = {
      experiment: exp,
      task: 'arithmetic',
      storageRoot: root,
      seed: 0,
      nIters: 3,
      nTrainSamples: 8,
      rationalize: true,
      genLength: 24,
      gradientAccumulationSteps: 1,
      steadyGrow: true,
      startSteps: 6,
      addSteps: 2,
      copyN: 2,
      baseModelLocation: tiny,
      baseConfig: writeTinyBaseConfig(dir),
      shards: 1,
      arithmetic: { trainDigits: [1], devDigits: [1], trainPerDigit: 8, devPerDigit: 6 },
      trainer: 'command',
      hosts: [hostName],
      commandTemplate: presetCommandTemplate('gsm-hf'),
      // A real converter (a copy), as to_hf_weights.py would turn a GPT-J step_N into an HF folder.
      convertCommandTemplate: `${python} ${join(ROOT, 'test-llm', 'fixtures', 'copy_checkpoint.py')} {checkpoint} {output}`,
      inference: 'openai',
      // The preset's server, on CPU, saying which folder it loads.
      serveCommandTemplate: `${presetField('gsm-hf', 'serveCommandTemplate')} --device cpu --log-level info`,
      inferenceModelTemplate: presetField('gsm-hf', 'inferenceModelTemplate'),
      inferenceBatchPrompts: presetField('gsm-hf', 'inferenceBatchPrompts'),
      inferenceConcurrency: 2,
    };
    const handle = await suite.env.client.workflow.start(starExperiment, {
      taskQueue: suite.worker.taskQueue,
      workflowId: exp,
      args: [input],
    });
    const result = await handle.result();
    assert.equal(result.outcome, 'finished', JSON.stringify(result));
    if (result.outcome !== 'finished') return;
    assert.deepEqual(
      result.metrics.map((m) => m.iteration),
      [1, 2],
    );

    const rootUri = normaliseRoot(root);
    const local = (uri: string) => servedCheckpoint(uri);
    for (const row of result.metrics) {
      const it = iterationLayout(rootUri, exp, row.iteration);
      assert.equal(row.checkpointUri, `${it.modelDir}/step_${row.totalSteps}_converted`, 'the iteration model is the converted folder');
      assert.ok(
        existsSync(join(local(it.modelDir), `step_${row.totalSteps}`, 'model.safetensors')),
        `the trainer saved step_${row.totalSteps}`,
      );
      assert.ok(existsSync(join(local(row.checkpointUri), 'model.safetensors')), `the converter wrote ${row.checkpointUri}`);
      assert.match(
        readFileSync(local(it.hostLog(hostName)), 'utf8'),
        /converting .*step_\d+ into .*_converted[\s\S]*copied /,
        'the host log holds the conversion',
      );
      const saved = JSON.parse(readFileSync(local(it.metrics), 'utf8')) as IterationMetrics;
      assert.equal(saved.iteration, row.iteration);
      assert.equal(saved.checkpointUri, row.checkpointUri);
      assert.equal(saved.attempted, 8);
      assert.ok(saved.trainExamples >= 16, `iteration ${row.iteration} trained on the seeded examples (${saved.trainExamples})`);
      assert.equal(saved.accuracy?.['1']?.total, 6, 'the dev split was evaluated');
    }
    assert.deepEqual(
      result.metrics.map((m) => m.totalSteps),
      [6, 8],
    );

    // The last server's log is complete once it has stopped (it lingers for a next pass, then stops).
    await waitUntil(() => !existsSync(join(stateDir, `host-${hostName}.server.json`)), 120_000, 'the last server to stop');
    // Servers: the base for iteration 1's generation, iteration 1's checkpoint for its eval (and, still
    // up, iteration 2's generation), iteration 2's checkpoint for its eval. Each was a new process
    // started on that folder, and transformers serve itself says it loaded that folder.
    const logs = result.metrics.flatMap((row) =>
      ['generate', 'eval'].map((pass) => join(local(iterationLayout(rootUri, exp, row.iteration).work), pass, `serve-${hostName}.log`)),
    );
    const text = logs
      .filter((file) => existsSync(file))
      .map((file) => readFileSync(file, 'utf8'))
      .join('\n');
    const starts = [...text.matchAll(/: serving (\S+) on port (\d+)/g)].map((m) => m[1]);
    const checkpoints = [tiny, ...result.metrics.map((row) => row.checkpointUri)];
    assert.deepEqual([...new Set(starts)].sort(), [...checkpoints].sort(), `one server per checkpoint:\n${text}`);
    for (const checkpoint of checkpoints) {
      assert.ok(text.includes(`[transformers] Loading ${local(checkpoint)}\n`), `the server loaded ${local(checkpoint)}:\n${text}`);
    }
    assert.equal(
      new Set([...text.matchAll(/: serving \S+ on port (\d+)/g)].map((m) => m[1])).size,
      starts.length,
      'each server its own port',
    );
    assert.match(text, /POST \/v1\/completions|completions/, 'the servers answered completions');
  });
});
