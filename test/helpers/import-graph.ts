/**
 * The project's imports between top-level folders, read from the sources with TypeScript's parser (no
 * type checking, so it takes a second): static imports and re-exports, `import()` and `require()` of a
 * relative path. What test/layers.test.ts checks against the table of allowed folder dependencies.
 */
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

export interface ImportEdge {
  /** Repository-relative path of the importing file, e.g. `core/records.ts`. */
  file: string;
  /** Repository-relative path the specifier points at (no extension resolution), e.g. `storage/index`. */
  target: string;
  from: string;
  to: string;
  /** `import type` / `export type`: no code runs, but the folders are still coupled. */
  typeOnly: boolean;
}

const NOT_SOURCE = new Set(['node_modules', '.tools', '.state', '.tmp', '.git', 'runs', 'data']);

export function sourceFiles(root: string, dir = root): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (NOT_SOURCE.has(name)) continue;
    const path = join(dir, name);
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) continue;
    if (stat.isDirectory()) out.push(...sourceFiles(root, path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(relative(root, path));
  }
  return out;
}

/** Every relative import of one file, with whether it is type-only. */
export function relativeImports(source: string, fileName = 'file.ts'): { specifier: string; typeOnly: boolean }[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const found: { specifier: string; typeOnly: boolean }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly = !!clause && (clause.isTypeOnly || isAllTypes(clause));
      found.push({ specifier: node.moduleSpecifier.text, typeOnly });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: node.isTypeOnly });
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      found.push({ specifier: node.moduleReference.expression.text, typeOnly: node.isTypeOnly });
    } else if (ts.isCallExpression(node) && node.arguments.length === 1 && ts.isStringLiteralLike(node.arguments[0] as ts.Expression)) {
      const isImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      if (isImport || isRequire) found.push({ specifier: (node.arguments[0] as ts.StringLiteralLike).text, typeOnly: false });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push({ specifier: node.argument.literal.text, typeOnly: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found.filter((i) => i.specifier.startsWith('./') || i.specifier.startsWith('../'));
}

/** `import { type A, type B } from …` imports types only, as `import type { A, B }` does. */
function isAllTypes(clause: ts.ImportClause): boolean {
  if (clause.name) return false;
  const bindings = clause.namedBindings;
  return !!bindings && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
}

/** The top-level folder of a repository-relative file (`.` for a file at the root). */
export function topFolder(file: string): string {
  const parts = file.split(sep);
  return parts.length > 1 ? (parts[0] as string) : '.';
}

export function importEdges(root: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const file of sourceFiles(root)) {
    for (const { specifier, typeOnly } of relativeImports(readFileSync(join(root, file), 'utf8'), file)) {
      const target = relative(root, resolve(root, dirname(file), specifier));
      // A target is a module path without extension: its first part is a folder (`storage` is storage/index.ts).
      edges.push({ file, target, from: topFolder(file), to: target.split(sep)[0] as string, typeOnly });
    }
  }
  return edges;
}

/** A cycle among the table's folders (first to first again), or undefined when there is none. */
export function findCycle(allowed: Readonly<Record<string, readonly string[]>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (folder: string): string[] | undefined => {
    if (state.get(folder) === 'done') return undefined;
    if (state.get(folder) === 'open') return [...path.slice(path.indexOf(folder)), folder];
    state.set(folder, 'open');
    path.push(folder);
    for (const next of allowed[folder] ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(folder, 'done');
    return undefined;
  };
  for (const folder of Object.keys(allowed)) {
    const cycle = visit(folder);
    if (cycle) return cycle;
  }
  return undefined;
}
