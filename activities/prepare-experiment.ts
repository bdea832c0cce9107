/**
 * Before iteration 1: resolves the storage root (so every worker writes to the same absolute place),
 * records the resolved input, and checks what the first steps need — the dataset and the base
 * checkpoint — so a typo fails in seconds, not after an hour of generation. It copies the base
 * trainer config into the experiment as the reference's make_first_config does (`configs/base.json`,
 * `name` `{exp}_0`, `target_save` the first generation's text); iteration 1's config copies that.
 */
import { exists, normaliseRoot, readJson, schemeOf, writeJson } from '../storage';
import { checkStorageReachable } from '../storage/reachable';
import { StorageAccessError } from '../storage/store';
import type { CheckpointManifest } from '../model';
import { trainerNamed } from '../trainers';
import { firstIterationConfig } from '../core/iteration-config';
import type { BaseConfig } from '../core/base-config';
import { experimentLayout, iterationLayout } from '../contracts/layout';
import type { ExperimentOptions } from '../contracts/experiment-input';
import type { ActivityDeps } from './deps';
import { loadTaskFor } from './examples';
import { asActivity, badInput } from '../activity-context/failures';
import { requireCheckpoint } from './model-checks';
import { whileHeartbeating } from '../activity-context/progress';
import type { PrepareExperimentInput, PreparedExperiment } from '../contracts/activities';
import { loraSavingProblem } from './lora-serving';

export async function prepareExperiment(_deps: ActivityDeps, input: PrepareExperimentInput): Promise<PreparedExperiment> {
  return asActivity('preparing the experiment', () =>
    whileHeartbeating('checking the dataset and base model', async () => {
      const { options } = input;
      const root = normaliseRoot(options.storageRoot);
      const datasetDir = options.datasetDir ? normaliseRoot(options.datasetDir) : '';
      const layout = experimentLayout(root, options.experiment);
      // A gs:// root was checked by `star start`/`star run`; its errors here are retried like any step's.
      if (schemeOf(root) === 'file') await checkStorageRootOnce(root);

      if (trainerNamed(options.trainer).baseModel === 'embedded-checkpoint' || options.inference === 'embedded') {
        const manifest = await checkCheckpoint(options.baseModelLocation, 'baseModelLocation');
        if (options.inference === 'embedded') checkGenLengthFits(options.genLength, manifest, options.baseModelLocation);
      }
      const task = await loadTaskFor(options, 'train');
      const train = await task.loadSplit(datasetDir, 'train');
      const dev = options.skipEval ? [] : await (await loadTaskFor(options, 'dev')).loadSplit(datasetDir, 'dev');
      // A task file's prompt files are read here too, so a missing one fails before any sampling.
      if (task.name === 'file')
        await Promise.all([
          task.loadFewShot(datasetDir, { answerKey: false, direct: false }),
          task.loadFewShot(datasetDir, { answerKey: true, direct: false }),
        ]);
      if (train.length === 0) throw badInput(`the ${options.task} train split has no examples (dataset ${datasetDir || 'generated'})`);

      await writeJson(layout.inputJson, options);
      return {
        root,
        baseConfigUri: await writeFirstConfig(options, root),
        datasetDir,
        trainExamples: train.length,
        devExamples: dev.length,
      };
    }),
  );
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
  const lora = loraSavingProblem(options, base as Record<string, unknown>);
  if (lora) throw badInput(lora);
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
export async function checkCheckpoint(uri: string, field: string): Promise<CheckpointManifest> {
  return requireCheckpoint(uri, field, `Point ${field} at a step_N folder written by the embedded trainer (or model/train-cli.ts)`);
}

/**
 * The embedded model's context (`seq`) holds the prompt and the generated tokens together, and the
 * sampler allocates prompt + genLength per row: a genLength past it can never be generated, and a huge
 * one would block the worker allocating it. Every iteration's model is trained from the base, so the
 * base's seq holds for all of them.
 */
function checkGenLengthFits(genLength: number, manifest: CheckpointManifest, uri: string): void {
  const seq = Number((manifest.config as { seq?: unknown }).seq);
  if (Number.isInteger(seq) && genLength >= seq) {
    throw badInput(
      `genLength ${genLength} does not fit the context of baseModelLocation ${uri}: its seq ${seq} tokens hold the prompt and the generated tokens ` +
        `together; give genLength below ${seq}, leaving room for the prompt`,
    );
  }
}

const checkedRoots = new Map<string, Promise<void>>();

/**
 * The root is checked once per worker process, in a child process with a timeout
 * (storage/reachable.ts): a root on a file system that never answers must not hold this worker's
 * file-system threads, which every experiment on it shares. A failed check is not kept, so a fixed
 * root passes on the next attempt.
 */
function checkStorageRootOnce(root: string): Promise<void> {
  let check = checkedRoots.get(root);
  if (!check) {
    check = checkStorageReachable(root).catch((err: unknown) => {
      checkedRoots.delete(root);
      throw err instanceof StorageAccessError ? badInput(`storageRoot ${root}: ${err.message}`) : err;
    });
    checkedRoots.set(root, check);
  }
  return check;
}
