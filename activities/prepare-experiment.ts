/**
 * Before iteration 1: resolves the storage root (so every worker writes to the same absolute place),
 * records the resolved input, and checks what the first steps need — the dataset and the base
 * checkpoint — so a typo fails in seconds, not after an hour of generation. The base trainer config is
 * read by the config step, as the reference's gen_config reads it.
 */
import { normaliseRoot, writeJson } from '../storage';
import { trainerNamed } from '../trainers';
import { experimentLayout } from '../contracts/layout';
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
      baseConfigUri: normaliseRoot(options.baseConfig),
      datasetDir,
      trainExamples: train.length,
      devExamples: dev.length,
    };
  }));
}

/** A checkpoint directory is complete when its manifest exists (manifests are written last) and parses. */
export async function checkCheckpoint(uri: string, field: string): Promise<void> {
  await requireCheckpoint(uri, field, `Point ${field} at a step_N folder written by the embedded trainer (or model/train-cli.ts)`);
}
