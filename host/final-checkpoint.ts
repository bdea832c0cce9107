/**
 * Whether the iteration's final checkpoint `{model_dir}/step_{total_steps}` is complete, so a retry can
 * return at once instead of training again. A folder alone proves nothing (a trainer killed while
 * saving leaves a partial one); each trainer writes a marker last:
 * - the embedded trainer: `step_N/manifest.json` (model/checkpoint.ts writes it after the weights);
 * - the reference (`device_train.py`): `meta.json` in the model folder, whose `checkpoints` list gets
 *   N appended after every shard of `step_N/` is written; the Hugging Face trainer (python/) writes
 *   the same `meta.json` after renaming its finished `step_N/` into place.
 */
import { exists, joinUri, readJson } from '../storage';

export function finalCheckpointUri(modelDir: string, totalSteps: number): string {
  return joinUri(modelDir, `step_${totalSteps}`);
}

/** How the completed checkpoint was recognised, or undefined when it is not (yet) complete. */
export async function completedCheckpoint(modelDir: string, totalSteps: number): Promise<'manifest.json' | 'meta.json' | undefined> {
  const dir = finalCheckpointUri(modelDir, totalSteps);
  if (await exists(joinUri(dir, 'manifest.json'))) return 'manifest.json';
  const meta = joinUri(modelDir, 'meta.json');
  if (await exists(meta)) {
    const parsed = await readJson<{ checkpoints?: unknown }>(meta).catch(() => undefined);
    if (Array.isArray(parsed?.checkpoints) && parsed.checkpoints.includes(totalSteps)) return 'meta.json';
  }
  return undefined;
}
