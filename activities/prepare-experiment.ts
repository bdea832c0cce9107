/**
 * Before iteration 1: resolves the storage root (so every worker writes to the same absolute place),
 * records the resolved input, and checks what the first steps need — the dataset and the base
 * checkpoint — so a typo fails in seconds, not after an hour of generation. It copies the base
 * trainer config into the experiment as the reference's make_first_config does (`configs/base.json`,
 * `name` `{exp}_0`, `target_save` the first generation's text); iteration 1's config copies that.
 */
import { exists, normaliseRoot, readJson, writeJson } from '../storage';
import { trainerNamed } from '../trainers';
import { firstIterationConfig } from '../core/iteration-config';
import type { BaseConfig } from '../core/base-config';
import { experimentLayout, iterationLayout } from '../contracts/layout';
import type { ExperimentOptions } from '../contracts/experiment-input';
import type { ActivityDeps } from './deps';
import { loadTaskFor } from './examples';
import { asActivity, badInput } from './failures';
import { requireCheckpoint } from './model-checks';
import { whileHeartbeating } from './progress';
import type { PrepareExperimentInput, PreparedExperiment } from '../contracts/activities';

export async function prepareExperiment(_deps: ActivityDeps, input: PrepareExperimentInput): Promise<PreparedExperiment> {
  return asActivity('preparing the experiment', () => whileHeartbeating('checking the dataset and base model', async () => {
    const { options } = input;
    const root = normaliseRoot(options.storageRoot);
    const datasetDir = options.datasetDir ? normaliseRoot(options.datasetDir) : '';
    const layout = experimentLayout(root, options.experiment);

    if (trainerNamed(options.trainer).baseModel === 'embedded-checkpoint') await checkCheckpoint(options.baseModelLocation, 'baseModelLocation');
    const task = await loadTaskFor(options, 'train');
    const train = await task.loadSplit(datasetDir, 'train');
    const dev = options.skipEval ? [] : await (await loadTaskFor(options, 'dev')).loadSplit(datasetDir, 'dev');
    // A task file's prompt files are read here too, so a missing one fails before any sampling.
    if (task.name === 'file') await Promise.all([task.loadFewShot(datasetDir, { answerKey: false, direct: false }), task.loadFewShot(datasetDir, { answerKey: true, direct: false })]);
    if (train.length === 0) throw badInput(`the ${options.task} train split has no examples (dataset ${datasetDir || 'generated'})`);

    await writeJson(layout.inputJson, options);
    return {
      root,
      baseConfigUri: await writeFirstConfig(options, root),
      datasetDir,
      trainExamples: train.length,
      devExamples: dev.length,
    };
  }));
}

/**
 * The experiment's `configs/base.json` and its URI. A base config that is missing or not a JSON
 * object is left for the config step to report (it names the field to set), and its URI returned.
 */
async function writeFirstConfig(options: ExperimentOptions, root: string): Promise<string> {
  const given = normaliseRoot(options.baseConfig);
  if (!(await exists(given))) return given;
  const base = await readJson<unknown>(given).catch(() => undefined);
  if (!base || typeof base !== 'object' || Array.isArray(base)) return given;
  const uri = experimentLayout(root, options.experiment).baseConfig;
  const first = firstIterationConfig(base as BaseConfig, {
    experiment: options.experiment,
    pRationalization: options.pRationalization,
    gradientAccumulationSteps: options.gradientAccumulationSteps,
    targetSave: iterationLayout(root, options.experiment, 1).keptText,
  });
  await writeJson(uri, first);
  return uri;
}

/** A checkpoint directory is complete when its manifest exists (manifests are written last) and parses. */
export async function checkCheckpoint(uri: string, field: string): Promise<void> {
  await requireCheckpoint(uri, field, `Point ${field} at a step_N folder written by the embedded trainer (or model/train-cli.ts)`);
}
