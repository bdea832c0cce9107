/**
 * The iteration's trainer config (`configs/{exp}_{i}.json`): a copy of the previous iteration's config
 * (the base config for iteration 1) with the fields the reference's gen_config sets — model_dir,
 * train_set, target_save, total_steps from the growth rule, name, p_rationalization,
 * gradient_accumulation_steps. A rule giving 0 steps fails here, non-retryably, saying what to change.
 */
import type { BaseConfig } from '../core/base-config';
import { iterationConfig } from '../core/iteration-config';
import { totalSteps } from '../core/step-growth';
import { exists, readJson, writeJson } from '../storage';
import { growthSettings } from '../workflows/plan';
import type { ActivityDeps } from './deps';
import { asActivity, badInput } from './failures';
import { inputKey, once } from './manifest';
import { heartbeat } from './progress';
import type { WriteConfigInput, WriteConfigResult } from './types';

export async function writeIterationConfig(_deps: ActivityDeps, input: WriteConfigInput): Promise<WriteConfigResult> {
  return asActivity(`writing the config of iteration ${input.iteration}`, async () => {
    const { options, iteration } = input;
    const growth = growthSettings(options);
    const key = inputKey({ step: 'config', previous: input.previousConfigUri, growth, iteration, examples: input.examples, configUri: input.configUri });
    return once(input.manifestUri, key, async () => {
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
      if (!previous || typeof previous !== 'object' || Array.isArray(previous)) throw badInput(`${input.previousConfigUri} must hold a JSON object`);
      const steps = totalSteps(growth, iteration, input.examples);
      // core's gen_config rule (the previous config plus the iteration's fields; not validated against
      // the reference schema, since the embedded trainer's base config has fields of its own), with
      // storage URIs for train_set and target_save and the model folder of our layout.
      const config = {
        ...iterationConfig(previous as BaseConfig, {
          experiment: options.experiment,
          iteration,
          totalSteps: steps,
          pRationalization: options.pRationalization,
          gradientAccumulationSteps: options.gradientAccumulationSteps,
          trainSet: input.indexUri,
          targetSave: input.targetSave,
        }),
        ...modelLocation(input.modelDir),
      };
      await writeJson(input.configUri, config);
      return { configUri: input.configUri, totalSteps: steps };
    });
  });
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
