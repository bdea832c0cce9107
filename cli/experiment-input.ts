import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { parseExperimentInput, type ExperimentOptions } from '../contracts/experiment-input';
import { maskSecretValues, type SecretValue } from '../core/secret-mask';
import { InvalidInputError, UsageError } from './errors';
import { optionCatalog } from './option-catalog';
import { applyAssignments, checkKeys, keepTextForStringOptions, parseAssignment } from './set-options';
import { closestNames } from './suggest';

/**
 * Turns `--preset NAME | --input FILE` plus `--set key=value ...` into a validated experiment input.
 * A preset is a file `configs/presets/NAME.json` holding a plain input object, the same shape
 * `temporal workflow start --input-file` takes. String values may name environment variables as
 * `${NAME}` (presets use this for folders only the user knows, e.g. `${STAR_DATA_DIR}`). In the
 * command templates (`COMMAND_FIELDS`) they stay as written: the machine that runs the command expands
 * them at run time, so a credential there never enters the input, the workflow history or the store.
 * Elsewhere they are expanded here, and their values are masked in everything this CLI prints.
 */
export const DEFAULT_PRESET = 'arithmetic-demo';
export const PRESETS_DIR = join(__dirname, '..', 'configs', 'presets');
const PROJECT_ROOT = resolve(__dirname, '..');

/** The options of a preset that name local files or folders, relative to the project. */
const PRESET_PATHS = ['storageRoot', 'baseModelLocation', 'baseConfig', 'datasetDir', 'taskFile'] as const;

/**
 * A preset's relative paths name files of the project (pretrained/arithmetic-base, configs/...): from
 * another folder they are made absolute, so `star run` works from anywhere in the checkout. From the
 * project folder they stay as written, so the inputs of existing runs do not change.
 */
export function presetPathsFromProject(written: Record<string, unknown>, cwd = process.cwd()): Record<string, unknown> {
  if (resolve(cwd) === PROJECT_ROOT) return written;
  const out = { ...written };
  for (const key of PRESET_PATHS) {
    const value = out[key];
    if (
      typeof value === 'string' &&
      value !== '' &&
      !isAbsolute(value) &&
      !/^[a-z][a-z0-9+.-]*:\/\//i.test(value) &&
      !value.startsWith('$')
    ) {
      out[key] = join(PROJECT_ROOT, value);
    }
  }
  return out;
}

export interface InputSelection {
  preset?: string;
  input?: string;
  sets?: string[];
}

export interface ResolvedInput {
  /** "preset arithmetic-demo" or "input ./experiment.json", for messages. */
  source: string;
  /** The written form after --set and ${VAR} expansion: what is sent to the workflow. */
  input: Record<string, unknown>;
  /** The validated, normalised form (defaults filled). */
  options: ExperimentOptions;
  /** Every value expanded from a `${NAME}`, whatever the name: printed as `${NAME}`, never as the value. */
  secrets: Secret[];
}

export type Secret = SecretValue;

/**
 * The options that are command lines run on a worker or host: their `${NAME}` references are kept
 * and expanded where the command runs (core/command-line.ts `withEnvironment`).
 */
export const COMMAND_FIELDS: readonly string[] = ['commandTemplate', 'convertCommandTemplate', 'serveCommandTemplate', 'verifierCommand'];

/**
 * Variable names whose values are credentials: outside a command template such a value would be
 * stored in the input, the workflow history and experiment.json, so it is refused there.
 */
const SECRET_NAME = /KEY|TOKEN|SECRET|PASSW|CREDENTIAL|AUTH/i;

/** `text` with every expanded value, in every printed form, replaced by `${NAME}`, the variable it came from. */
export function maskSecrets(text: string, secrets: readonly Secret[]): string {
  return maskSecretValues(text, secrets);
}

export function listPresets(dir = PRESETS_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .map((name) => basename(name, '.json'))
    .sort();
}

export function resolveExperimentInput(selection: InputSelection, env: Record<string, string | undefined> = process.env): ResolvedInput {
  if (selection.preset && selection.input) {
    throw new UsageError('give either --preset NAME or --input FILE, not both');
  }
  const { source, written } = selection.input ? readInputFile(selection.input) : readPreset(selection.preset ?? DEFAULT_PRESET);

  const catalog = optionCatalog();
  const assignments = (selection.sets ?? []).map(parseAssignment);
  checkKeys(
    assignments,
    catalog.map((entry) => entry.key),
  );
  const kinds = new Map(catalog.map((entry) => [entry.key, entry.kind]));
  const withSets = applyAssignments(written, keepTextForStringOptions(assignments, kinds));

  const unsetVariables: string[] = [];
  const secrets: Secret[] = [];
  const input = expandVariables(withSets, env, [], unsetVariables, secrets) as Record<string, unknown>;

  const parsed = parseExperimentInput(input);
  const problems = [...unsetVariables];
  if (!parsed.ok) {
    for (const p of parsed.problems) problems.push(maskSecrets(`${p.field}: ${p.expected} (got ${show(p.value, secrets)})`, secrets));
  }
  if (problems.length > 0 || !parsed.ok) {
    const given = assignments.length > 0 ? `${source} with ${(selection.sets ?? []).map((s) => `--set ${s}`).join(' ')}` : source;
    throw new InvalidInputError(given, problems);
  }
  return { source, input, options: parsed.options, secrets };
}

function readPreset(name: string): { source: string; written: Record<string, unknown> } {
  const path = join(PRESETS_DIR, `${name}.json`);
  if (!/^[A-Za-z0-9_-]+$/.test(name) || !existsSync(path)) {
    const presets = listPresets();
    const near = closestNames(name, presets);
    const hint = near.length > 0 ? ` Did you mean ${near.join(', ')}?` : '';
    throw new UsageError(`no preset named "${name}".${hint} Presets: ${presets.join(', ') || '(none)'} (files in ${PRESETS_DIR}).`);
  }
  return { source: `preset ${name}`, written: presetPathsFromProject(readJsonObject(path)) };
}

function readInputFile(file: string): { source: string; written: Record<string, unknown> } {
  const path = resolve(file);
  if (!existsSync(path)) throw new UsageError(`--input ${file}: no such file`);
  return { source: `input ${file}`, written: readJsonObject(path) };
}

function readJsonObject(path: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const what = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    throw new UsageError(`${path} must hold one JSON object (the experiment input), not ${what}`);
  }
  return value as Record<string, unknown>;
}

function expandVariables(
  value: unknown,
  env: Record<string, string | undefined>,
  path: string[],
  unset: string[],
  secrets: Secret[],
): unknown {
  if (path.length === 1 && COMMAND_FIELDS.includes(path[0] as string)) return value;
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => {
      const found = env[name];
      if (SECRET_NAME.test(name)) {
        unset.push(
          `${path.join('.')}: "${value}" uses \${${name}}, named like a credential, whose value would be stored in the workflow history and the experiment's ` +
            `experiment.json; only the command templates (${COMMAND_FIELDS.join(', ')}) keep \${NAME} and expand it where the command runs ` +
            `(a server's API key: inferenceApiKeyEnv=${name})`,
        );
        return whole;
      }
      if (found !== undefined && found !== '') {
        secrets.push({ name, value: found });
        return found;
      }
      unset.push(
        `${path.join('.')}: "${value}" uses the environment variable ${name}, which is not set; set it, or give the value with --set ${path.join('.')}=...`,
      );
      return whole;
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => expandVariables(item, env, [...path, String(i)], unset, secrets));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandVariables(v, env, [...path, k], unset, secrets)]));
  }
  return value;
}

/** The value as JSON, masked before it is shortened (a shortened token would escape the mask). */
function show(value: unknown, secrets: readonly Secret[]): string {
  if (value === undefined) return 'nothing';
  // JSON has no Infinity or NaN (it would print null).
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  const text = maskSecrets(JSON.stringify(value), secrets);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
