/**
 * The options an experiment's latest run was started with (its first history event), and how the
 * options of a new `star start` or `star run` differ from them: a completed experiment is continued
 * only with its own options, and a running one keeps its options, so either way the person is told.
 */
import { isAbsolute, join } from 'node:path';
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { parseExperimentInput, type ExperimentOptions } from '../contracts/experiment-input';
import { normaliseRoot } from '../storage/uri';
import { stableJson } from '../core/stable-json';

/** The run's options, or undefined when its input is not (or no longer) a valid experiment input. */
export async function startedOptions(client: Client, experiment: string, runId: string): Promise<ExperimentOptions | undefined> {
  const response = await client.workflowService.getWorkflowExecutionHistory({
    namespace: client.options.namespace,
    execution: { workflowId: experiment, runId },
    maximumPageSize: 1,
  });
  const payload = response.history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  if (!payload) return undefined;
  const parsed = parseExperimentInput(defaultPayloadConverter.fromPayload(payload));
  return parsed.ok ? parsed.options : undefined;
}

export interface OptionDifference {
  field: string;
  /** The run's value and the one given now, when they are numbers or booleans (others may hold paths or templates). */
  there?: number | boolean;
  here?: number | boolean;
}

/** Options naming local files or folders: a relative one is read from the folder star ran in (or, from a preset, the project). */
const PATH_OPTIONS = ['storageRoot', 'baseModelLocation', 'baseConfig', 'datasetDir', 'taskFile'];
const PROJECT_ROOT = join(__dirname, '..');

/** Fields whose values differ (paths compared as the places they name), except `allowed`. */
export function optionDifferences(
  there: ExperimentOptions,
  here: ExperimentOptions,
  allowed: readonly string[] = [],
  cwd = process.cwd(),
): OptionDifference[] {
  const a = there as unknown as Record<string, unknown>;
  const b = here as unknown as Record<string, unknown>;
  const fields = [...new Set([...Object.keys(b), ...Object.keys(a)])].filter((field) => !allowed.includes(field));
  const same = (field: string) =>
    stableJson(a[field]) === stableJson(b[field]) ||
    (PATH_OPTIONS.includes(field) && typeof a[field] === 'string' && typeof b[field] === 'string' && samePlace(a[field], b[field], cwd));
  return fields
    .filter((field) => !same(field))
    .map((field) => {
      const [x, y] = [a[field], b[field]];
      const shown = (v: unknown) => typeof v === 'number' || typeof v === 'boolean';
      return shown(x) && shown(y) ? { field, there: x as number | boolean, here: y as number | boolean } : { field };
    });
}

/** "seed (0 there, 5 here), storageRoot" */
export function describeDifferences(differences: OptionDifference[]): string {
  return differences
    .map((d) => (d.there === undefined ? d.field : `${d.field} (${String(d.there)} there, ${String(d.here)} here)`))
    .join(', ');
}

/** Whether two paths name one place, relative ones read from `cwd` or from the project (as presets' are). */
function samePlace(x: string, y: string, cwd: string): boolean {
  return [cwd, PROJECT_ROOT].some((base) => placeOf(x, base) === placeOf(y, base));
}

function placeOf(path: string, base: string): string {
  try {
    return /^[a-z][a-z0-9+.-]*:\/\//i.test(path) || isAbsolute(path) ? normaliseRoot(path) : normaliseRoot(join(base, path));
  } catch {
    return path;
  }
}
