/**
 * The checkpoint the `simulated` trainer leaves: a folder `step_{N}` holding one marker file,
 * `simulated.json`, written last. It holds no weights, so only the `simulated` sampler accepts it;
 * that sampler refuses a checkpoint without the marker as the embedded one refuses a folder without
 * a manifest, so a lost or mistyped checkpoint fails the same way in a simulation as in a real run.
 */
import { exists, joinUri, readJson, writeJson } from '../storage';
import { badInput } from '../activity-context/failures';

export const SIMULATED_MARKER = 'simulated.json';

export interface SimulatedCheckpoint {
  kind: 'simulated';
  iteration: number;
  step: number;
  /** The records index it "trained" on. */
  indexUri: string;
}

export async function writeSimulatedCheckpoint(uri: string, marker: Omit<SimulatedCheckpoint, 'kind'>): Promise<void> {
  await writeJson(joinUri(uri, SIMULATED_MARKER), { kind: 'simulated', ...marker } satisfies SimulatedCheckpoint);
}

export async function readSimulatedCheckpoint(uri: string): Promise<SimulatedCheckpoint | undefined> {
  const marker = joinUri(uri, SIMULATED_MARKER);
  if (!(await exists(marker))) return undefined;
  const value = await readJson<Partial<SimulatedCheckpoint>>(marker).catch(() => undefined);
  return value?.kind === 'simulated' ? (value as SimulatedCheckpoint) : undefined;
}

/**
 * A simulated run samples from its nominal base model (never read: `baseModelLocation` names it only)
 * or from a checkpoint the simulated trainer wrote.
 */
export async function requireSimulatedCheckpoint(uri: string, baseModelLocation: string): Promise<void> {
  if (uri === baseModelLocation) return;
  if (await readSimulatedCheckpoint(uri)) return;
  throw badInput(
    `the sampling checkpoint ${uri} has no ${SIMULATED_MARKER}: inference "simulated" samples only from the base model or a checkpoint ` +
      `the simulated trainer wrote. If it was lost, \`star redo <experiment> --iteration <i> --step train\` writes it again`,
  );
}
