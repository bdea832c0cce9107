/**
 * The conversion after training (`convertCommandTemplate`): a checkpoint the trainer wrote in a form
 * servers cannot load (a GPT-J `step_N` of mesh-transformer-jax) becomes one they can, e.g.
 * `python3 to_hf_weights.py --input_ckpt {checkpoint} --output_path {output} --cpu`.
 * Run by the first host after its training, as an argument vector (no shell); the iteration's model
 * is then the converted folder `{model_dir}/step_{N}_converted`, which eval and the next generation
 * sample from.
 */
import { joinUri } from './uri';
import { CommandTemplateError, expandTemplate } from '../core/command-line';

export interface ConvertValues {
  /** The trained checkpoint (a plain path for local files). */
  checkpoint: string;
  /** The folder the converter writes (a plain path for local files). */
  output: string;
  /** The iteration's trainer config. */
  config: string;
  iteration: number;
  total_steps: number;
}

export const CONVERT_PLACEHOLDERS = ['checkpoint', 'output', 'config', 'iteration', 'total_steps'] as const;

export function expandConvertCommand(template: string, values: ConvertValues): string[] {
  return expandTemplate(template, values, CONVERT_PLACEHOLDERS);
}

/** Why `template` cannot run (an unknown placeholder, shell syntax, no {checkpoint} or {output}), or undefined. */
export function convertTemplateProblem(template: string): string | undefined {
  try {
    expandConvertCommand(template, { checkpoint: '/c', output: '/o', config: '/c.json', iteration: 1, total_steps: 1 });
  } catch (err) {
    if (err instanceof CommandTemplateError) return err.message;
    throw err;
  }
  for (const needed of ['checkpoint', 'output'] as const) {
    if (!template.includes(`{${needed}}`)) {
      return `convert command template ${JSON.stringify(template)} has no {${needed}}: the converter reads the trained checkpoint {checkpoint} and writes the folder {output} that is served`;
    }
  }
  return undefined;
}

/** Where the converted model of `step_{totalSteps}` goes. */
export function convertedCheckpointUri(modelDir: string, totalSteps: number): string {
  return joinUri(modelDir, `step_${totalSteps}_converted`);
}
