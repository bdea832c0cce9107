/**
 * vLLM through the project (`npm run test:llm`, when `scripts/setup-vllm.sh` has been run; skipped
 * otherwise): the larger-number-smollm2-vllm preset's base eval as a real experiment on a tiny
 * Hugging Face model, the server started and stopped by a host worker with the preset's serve command.
 * The server logs (at debug level) the request fields it does not know; an extra probe field sent
 * through inferenceExtraBody shows that line is written, and that none of the sampling fields the
 * project states for vLLM (inference/server-sampling-fields.ts) is among the ignored ones.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { servedCheckpoint } from '../host/served-checkpoint';
import { serverSamplingFields } from '../inference/server-sampling-fields';
import { makeTinyLm, ROOT } from '../scripts/make-tiny-lm';
import { normaliseRoot } from '../storage';
import type { ExperimentInput } from '../contracts/experiment-input';
import { iterationLayout } from '../contracts/layout';
import type { IterationMetrics } from '../contracts/metrics';
import { starExperiment } from '../workflows/star-experiment';
import { waitUntil } from '../test-support/processes';
import { uniqueExperiment } from '../test-support/temporal';
import { projectHostSuite } from './helpers/project-host';
import { scratchDir } from '../test-support/experiment-input';

const PRESET = JSON.parse(readFileSync(join(ROOT, 'configs', 'presets', 'larger-number-smollm2-vllm.json'), 'utf8')) as ExperimentInput & {
  serveCommandTemplate: string;
  taskFile: string;
  baseConfig: string;
};
const vllmPython = join(process.env.STAR_VLLM_VENV ?? join(ROOT, '.tools', 'vllm-venv'), 'bin', 'python');
const skip = existsSync(vllmPython) ? false : 'the vLLM venv is not set up: run `bash scripts/setup-vllm.sh` once (about 6 GB)';
const DEV_QUESTIONS = 4;
const PROBE = 'star_probe_unknown_field';

void describe('vLLM as the -vllm presets start it, on a tiny model', { skip, timeout: 30 * 60_000 }, () => {
  const dir = scratchDir('vllm');
  const root = join(dir, 'runs');
  const tiny = join(dir, 'tiny-lm');
  const hostName = `vllm-${process.pid}`;
  const stateDir = join(dir, 'host-state');
  // The preset's --max-model-len 1024 must fit the model's context.
  const suite = projectHostSuite(dir, hostName, { prepare: () => makeTinyLm(tiny, ['--arch', 'llama', '--positions', '1024']) });

  void it('evaluates the base model through vLLM, which reads every sampling field the project states', async () => {
    const exp = uniqueExperiment('vllm');
    const input: ExperimentInput = {
      ...PRESET,
      experiment: exp,
      storageRoot: root,
      taskFile: join(ROOT, PRESET.taskFile),
      baseModelLocation: tiny,
      baseConfig: join(ROOT, PRESET.baseConfig),
      hosts: [hostName],
      nIters: 1,
      nDevSamples: DEV_QUESTIONS,
      inferenceExtraBody: { [PROBE]: 1 },
      // Debug level: vLLM then logs the request fields it ignores.
      serveCommandTemplate: PRESET.serveCommandTemplate.replace(/^env /, 'env VLLM_LOGGING_LEVEL=DEBUG '),
    };
    const handle = await suite.env.client.workflow.start(starExperiment, {
      taskQueue: suite.worker.taskQueue,
      workflowId: exp,
      args: [input],
    });
    const result = await handle.result();
    assert.equal(result.outcome, 'finished', JSON.stringify(result));
    if (result.outcome !== 'finished') return;

    const it0 = iterationLayout(normaliseRoot(root), exp, 0);
    const saved = JSON.parse(readFileSync(servedCheckpoint(it0.metrics), 'utf8')) as IterationMetrics;
    const total = Object.values(saved.accuracy ?? {}).reduce((sum, c) => sum + c.total, 0);
    assert.equal(total, DEV_QUESTIONS, 'every dev question went through vLLM and the answer checking');

    await waitUntil(() => !existsSync(join(stateDir, `host-${hostName}.server.json`)), 120_000, 'the server to stop');
    const serveLog = readFileSync(join(servedCheckpoint(it0.work), 'eval', `serve-${hostName}.log`), 'utf8');
    assert.equal([...serveLog.matchAll(/"POST \/v1\/completions HTTP\/1\.1" 200/g)].length, DEV_QUESTIONS, 'one completion per question');
    const ignored = [...serveLog.matchAll(/fields were present in the request but ignored: (\{[^}]*\})/g)].map((m) => m[1] as string);
    assert.ok(ignored.length > 0, `vLLM logged no ignored fields, so the probe cannot show anything:\n${serveLog.slice(-3000)}`);
    for (const fields of ignored) {
      assert.ok(fields.includes(PROBE), fields);
      for (const name of [...Object.keys(serverSamplingFields('vllm')), 'temperature', 'top_p', 'seed', 'stop', 'max_tokens']) {
        assert.ok(!fields.includes(`'${name}'`), `vLLM ignored ${name}: ${fields}`);
      }
    }
  });
});
