import type { z } from 'zod';
import { experimentInputSchema } from '../workflows/input';

/**
 * The option names `--set` accepts, read from the workflow's own input schema so the two never
 * drift: top-level keys (`nIters`) and, for nested settings, dotted paths (`arithmetic.trainDigits`).
 */
export type OptionKind = 'string' | 'number' | 'boolean' | 'enum' | 'array' | 'object' | 'other';

export interface OptionEntry {
  key: string;
  kind: OptionKind;
}

// zod 4 keeps a schema's structure under `_zod.def`; wrappers (default, optional, preprocess pipes)
// hold the schema they wrap in `innerType` or `out`.
interface Def {
  type: string;
  innerType?: Node;
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
    const inner = def.innerType ?? (def.type === 'pipe' ? def.out : undefined);
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
