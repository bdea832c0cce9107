import { UsageError } from './errors';
import { closestNames } from './suggest';

/**
 * `--set key=value` overrides. Keys are the input's option names in camelCase (the reference's
 * names: `--set steadyGrow=true --set startSteps=40`); nested settings use dots (`model.layers=2`).
 * Values are JSON when they parse as JSON (`true`, `40`, `1.2`, `[1,2]`, `"40"`), else the raw string.
 * `key=null` removes the key, so an option a preset sets goes back to its default (no option takes null).
 */
export interface Assignment {
  path: string[];
  /** The text after `=`, kept so a string option given `--set experiment=2024` stays a string. */
  raw: string;
  value: unknown;
}

export function parseAssignment(text: string): Assignment {
  const eq = text.indexOf('=');
  if (eq <= 0) {
    throw new UsageError(`--set ${text}: expected key=value, e.g. --set nIters=6`);
  }
  const key = text.slice(0, eq).trim();
  const raw = text.slice(eq + 1);
  const path = key.split('.');
  if (path.some((part) => part === '')) throw new UsageError(`--set ${text}: "${key}" has an empty part`);
  return { path, raw, value: parseValue(raw) };
}

export function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/**
 * Checks every assignment's key against `validKeys` (dotted paths) and reports all unknown keys at
 * once, each with the closest valid names.
 */
export function checkKeys(assignments: Assignment[], validKeys: readonly string[]): void {
  const known = new Set(validKeys);
  const problems: string[] = [];
  for (const { path } of assignments) {
    const key = path.join('.');
    if (known.has(key)) continue;
    const near = closestNames(key, validKeys);
    problems.push(
      near.length > 0 ? `unknown option "${key}"; did you mean ${near.map((n) => `"${n}"`).join(', ')}?` : `unknown option "${key}"`,
    );
  }
  if (problems.length > 0) {
    throw new UsageError(`${problems.join('\n')}\n(\`star plan\` lists every option with its value.)`);
  }
}

/**
 * Options whose type is a string (or a choice of strings) take the text as written, never its JSON
 * reading (`experiment=2024`); list options given a single value get the text too, for the schema's
 * own list syntax (`arithmetic.trainDigits=1` or `=1-5`).
 */
export function keepTextForStringOptions(assignments: Assignment[], kinds: ReadonlyMap<string, string>): Assignment[] {
  return assignments.map((a) => {
    const kind = kinds.get(a.path.join('.'));
    if (a.value === null) return a;
    if ((kind === 'string' || kind === 'enum') && typeof a.value !== 'string') return { ...a, value: a.raw };
    if (kind === 'array' && !Array.isArray(a.value)) return { ...a, value: a.raw };
    return a;
  });
}

/**
 * A copy of `base` with every assignment applied (later ones win); nested objects are created as
 * needed, and a null value removes the key.
 */
export function applyAssignments(base: Record<string, unknown>, assignments: Assignment[]): Record<string, unknown> {
  const result = structuredClone(base);
  for (const { path, value } of assignments) {
    let node: Record<string, unknown> = result;
    for (const part of path.slice(0, -1)) {
      const next = node[part];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) node[part] = {};
      node = node[part] as Record<string, unknown>;
    }
    const key = path[path.length - 1];
    if (value === null) delete node[key];
    else node[key] = value;
  }
  return result;
}
