/**
 * Which model a request names. With `inferenceModelTemplate` (e.g. `{experiment}_{iteration}` for a
 * LoRA adapter per iteration) the name is filled in; without it the server must serve exactly one
 * model, whose id `GET /v1/models` gives (a server started per iteration, `star serve`).
 */
import { InferenceSettingsError } from './errors';

export interface ModelNameVars {
  experiment: string;
  /** The iteration whose model samples: i-1 in iteration i's generation, i in its eval; 0 is the base model. */
  iteration: number;
  /** The checkpoint that samples, as the serve command gets it (a plain path for local files). */
  checkpoint: string;
}

export const MODEL_TEMPLATE_PLACEHOLDERS = ['experiment', 'iteration', 'checkpoint'] as const;

export function fillModelTemplate(template: string, vars: ModelNameVars): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    if (!(MODEL_TEMPLATE_PLACEHOLDERS as readonly string[]).includes(name)) {
      throw new InferenceSettingsError(
        `inferenceModelTemplate has an unknown placeholder ${whole}; use ${MODEL_TEMPLATE_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`,
      );
    }
    return String(vars[name as keyof ModelNameVars]);
  });
}

export async function resolveModelName(
  template: string | undefined,
  vars: ModelNameVars,
  listModels: () => Promise<string[]>,
): Promise<string> {
  if (template) return fillModelTemplate(template, vars);
  const ids = await listModels();
  if (ids.length === 1) return ids[0];
  throw new InferenceSettingsError(
    ids.length === 0
      ? 'the inference server lists no models (GET /v1/models): start it with a model, or set inferenceModelTemplate'
      : `the inference server serves ${ids.length} models (${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', ...' : ''}): set inferenceModelTemplate to choose one`,
  );
}
