/**
 * The iteration's trainer config (`configs/{exp}_{i}.json`): a copy of the previous iteration's config
 * (the base config for iteration 1) with the fields the reference's gen_config sets — model_dir,
 * train_set, target_save, total_steps from the growth rule, name, p_rationalization,
 * gradient_accumulation_steps — plus `train_jsonl`, the examples as JSONL. A rule giving 0 steps fails here, non-retryably, saying what to change.
 */
import type { BaseConfig } from '../core/base-config';
import { iterationConfig, trainSetName } from '../core/iteration-config';
import { trainingJsonlUri } from '../core/prompt-completion';
import { totalSteps } from '../core/step-growth';
import { exists, readJson } from '../storage';
import { growthSettings } from '../core/step-growth';
import type { ActivityDeps } from './deps';
import { asActivity, badInput } from '../activity-context/failures';
import { inputKey, once } from './manifest';
import { heartbeat } from '../activity-context/progress';
import type { WriteConfigInput, WriteConfigResult } from '../contracts/activities';
import { trainerNamed, type Trainer } from '../trainers';

export async function writeIterationConfig(_deps: ActivityDeps, input: WriteConfigInput): Promise<WriteConfigResult> {
  return asActivity(`writing the config of iteration ${input.iteration}`, async () => {
    const { options, iteration } = input;
    const growth = growthSettings(options);
    const key = inputKey({
      step: 'config',
      previous: input.previousConfigUri,
      growth,
      iteration,
      examples: input.examples,
      configUri: input.configUri,
    });
    return once(input.manifestUri, key, async (output) => {
      heartbeat({ kind: 'step', doing: 'writing the config' });
      if (!(await exists(input.previousConfigUri))) {
        throw badInput(
          iteration === 1
            ? `the base trainer config ${input.previousConfigUri} does not exist: set baseConfig to a JSON file like configs/qa_base.json`
            : `the previous iteration's config ${input.previousConfigUri} does not exist`,
        );
      }
      const previous = await readJson<unknown>(input.previousConfigUri).catch((err: Error) => {
        throw badInput(`${input.previousConfigUri} is not valid JSON: ${err.message}`);
      });
      if (!previous || typeof previous !== 'object' || Array.isArray(previous))
        throw badInput(`${input.previousConfigUri} must hold a JSON object`);
      const steps = totalSteps(growth, iteration, input.examples);
      // core's gen_config rule (the previous config plus the iteration's fields; not validated against
      // the reference schema, since the embedded trainer's base config has fields of its own), with
      // the training set and model folder where the iteration's trainer looks for them.
      const config = {
        ...iterationConfig(previous as BaseConfig, {
          experiment: options.experiment,
          iteration,
          totalSteps: steps,
          pRationalization: options.pRationalization,
          gradientAccumulationSteps: options.gradientAccumulationSteps,
          trainSet: trainSetFor(trainerNamed(options.trainer), options.experiment, iteration, input.indexUri),
          targetSave: input.targetSave,
        }),
        ...modelLocation(input.modelDir),
        // The same examples as {prompt, completion} JSONL, for the Hugging Face trainer (the records step writes it).
        train_jsonl: trainingJsonlUri(input.indexUri),
      };
      await output.writeJson(input.configUri, config);
      return { configUri: input.configUri, totalSteps: steps };
    });
  });
}

/**
 * The config's `train_set`. The reference's `device_train.py` reads `data/{train_set}` relative to its
 * working directory, so for the command trainer on a gs:// root it is the reference's name
 * `{exp}/{exp}_{i}.index`, and each host copies the index there (host/train-on-host.ts); the index's
 * lines are gs:// URIs the trainer reads itself. Otherwise (the embedded trainer, or a local root that
 * only one machine sees) it is the index's storage URI, which model/train-cli.ts reads directly.
 */
export function trainSetFor(trainer: Trainer, experiment: string, iteration: number, indexUri: string): string {
  if (trainer.trainSet !== 'reference-name-on-gs' || !indexUri.startsWith('gs://')) return indexUri;
  const name = trainSetName(experiment, iteration);
  if (!indexUri.endsWith(`/${name}`)) {
    // The host copies the index to data/{train_set}; a differently named index would be copied under a
    // name the config does not give.
    throw badInput(`the records index ${indexUri} of iteration ${iteration} is not named ${name} (the reference's train_set)`);
  }
  return name;
}

/**
 * Where the trainer saves: the reference's trainer writes to `gs://{bucket}/{model_dir}`, so on gs://
 * the bucket and the path inside it are given apart; on a local root, model_dir is the folder's URI
 * and bucket is emptied (a base config's bucket would point elsewhere).
 */
export function modelLocation(modelDir: string): { bucket: string; model_dir: string } {
  const gs = /^gs:\/\/([^/]+)\/(.+)$/.exec(modelDir);
  if (gs) return { bucket: gs[1] as string, model_dir: gs[2] as string };
  return { bucket: '', model_dir: modelDir };
}
