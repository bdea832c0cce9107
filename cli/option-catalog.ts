import type { z } from 'zod';
import { experimentInputSchema } from '../contracts/experiment-input';

/**
 * The option names `--set` accepts, read from the workflow's own input schema so the two never
 * drift: top-level keys (`nIters`) and, for nested settings, dotted paths (`arithmetic.trainDigits`).
 */
export type OptionKind = 'string' | 'number' | 'boolean' | 'enum' | 'array' | 'object' | 'other';

export interface OptionEntry {
  key: string;
  kind: OptionKind;
}

// zod 4 keeps a schema's structure under `_zod.def`; wrappers (default, optional) hold the schema
// they wrap in `innerType`; pipes in `in` and `out`: `z.preprocess(fn, schema)` is a pipe from a
// transform to the schema, `schema.transform(fn)` a pipe from the schema to a transform.
interface Def {
  type: string;
  innerType?: Node;
  in?: Node;
  out?: Node;
  shape?: Record<string, Node>;
}
interface Node {
  _zod: { def: Def };
}

function unwrap(node: Node): Node {
  let current = node;
  for (;;) {
    const def = current._zod.def;
    const inner = def.type === 'pipe' ? (def.in?._zod.def.type === 'transform' ? def.out : def.in) : def.innerType;
    if (!inner) return current;
    current = inner;
  }
}

function kindOf(node: Node): OptionKind {
  const type = unwrap(node)._zod.def.type;
  const known: OptionKind[] = ['string', 'number', 'boolean', 'enum', 'array', 'object'];
  return (known as string[]).includes(type) ? (type as OptionKind) : 'other';
}

export function optionCatalog(schema: z.ZodType = experimentInputSchema): OptionEntry[] {
  const entries: OptionEntry[] = [];
  const walk = (node: Node, prefix: string) => {
    const shape = unwrap(node)._zod.def.shape;
    if (!shape) return;
    for (const [name, child] of Object.entries(shape)) {
      const key = prefix ? `${prefix}.${name}` : name;
      entries.push({ key, kind: kindOf(child) });
      walk(child, key);
    }
  };
  walk(schema as unknown as Node, '');
  return entries;
}

export function optionKeys(schema?: z.ZodType): string[] {
  return optionCatalog(schema).map((entry) => entry.key);
}
