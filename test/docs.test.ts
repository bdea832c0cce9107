/**
 * The README and docs stay true to the tree: every relative link reaches a file (and a heading, when
 * it names one), every file a file table names exists, and every source folder has its row on the
 * architecture page.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { codeSpans, headingAnchors, isExternal, markdownLinks, markdownTables } from './helpers/markdown';
import { optionCatalog } from '../cli/option-catalog';

const root = join(__dirname, '..');
const ARCHITECTURE = 'docs/ARCHITECTURE.md';

/** Folders that are not the project's own: installed packages, tools, run state (`data/`: the training indexes a host worker copies). */
function isProjectFolder(name: string): boolean {
  return !name.startsWith('.') && !['node_modules', 'runs', 'data'].includes(name);
}

function topFolders(): string[] {
  return readdirSync(root)
    .filter(isProjectFolder)
    .filter((name) => statSync(join(root, name)).isDirectory())
    .sort();
}

/** README.md, every page under docs/, and the README of each top-level folder. */
function markdownPages(): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`);
  const folderReadmes = topFolders()
    .map((folder) => `${folder}/README.md`)
    .filter((page) => existsSync(join(root, page)));
  return ['README.md', ...docs, ...folderReadmes];
}

function read(page: string): string {
  return readFileSync(join(root, page), 'utf8');
}

function hasTypeScript(folder: string): boolean {
  for (const name of readdirSync(folder)) {
    if (!isProjectFolder(name)) continue;
    const path = join(folder, name);
    if (statSync(path).isDirectory() ? hasTypeScript(path) : name.endsWith('.ts')) return true;
  }
  return false;
}

/** Where a page's file table names its files from: docs and the README name paths from the project root. */
function tableBase(page: string): string {
  return page === 'README.md' || page.startsWith('docs/') ? root : join(root, dirname(page));
}

/** The broken links of one page, each as `page:line target (why)`. */
function brokenLinks(page: string, text: string): string[] {
  const broken: string[] = [];
  for (const { target, line } of markdownLinks(text)) {
    if (isExternal(target)) continue;
    const [path, anchor] = target.split('#', 2);
    const file = path === '' ? join(root, page) : join(root, dirname(page), decodeURIComponent(path));
    const where = `${page}:${line} ${target}`;
    if (!existsSync(file)) {
      broken.push(`${where} (no file ${relative(root, file)})`);
      continue;
    }
    if (anchor && file.endsWith('.md') && !headingAnchors(readFileSync(file, 'utf8')).has(anchor)) {
      broken.push(`${where} (no heading #${anchor} in ${relative(root, file)})`);
    }
  }
  return broken;
}

void describe('the README and docs', () => {
  void it('link only to files and headings that exist', () => {
    const broken = markdownPages().flatMap((page) => brokenLinks(page, read(page)));
    assert.deepEqual(broken, []);
  });

  void it('are all listed in the README, which is their table of contents', () => {
    const linked = new Set(markdownLinks(read('README.md')).map((link) => link.target.split('#')[0]));
    const pages = markdownPages().filter((page) => page.startsWith('docs/'));
    assert.deepEqual(
      pages.filter((page) => !linked.has(page)),
      [],
    );
  });

  void it('report a link to a missing page, and one to a missing heading', () => {
    const text = 'See [storage](storage.md#layout-of-a-run), [gone](gone.md) and [nowhere](storage.md#no-such-heading).';
    assert.deepEqual(brokenLinks('docs/example.md', text), [
      'docs/example.md:1 gone.md (no file docs/gone.md)',
      'docs/example.md:1 storage.md#no-such-heading (no heading #no-such-heading in docs/storage.md)',
    ]);
  });

  void it('name in their tables only files that exist', () => {
    const folders = new Set(topFolders());
    const missing: string[] = [];
    for (const page of markdownPages()) {
      for (const table of markdownTables(read(page))) {
        const fileTable = ['file', 'folder'].includes(table.header[0]);
        for (const row of table.rows) {
          // A file table's first column names files from the page's base; any cell may name a
          // project path such as `workers/main.ts` (placeholders like `{exp}` are not paths).
          const named = fileTable ? codeSpans(row.cells[0]).map((name) => join(tableBase(page), name)) : [];
          const paths = row.cells
            .flatMap(codeSpans)
            .filter((span) => /^[\w.-]+\/[\w./-]*$/.test(span) && folders.has(span.split('/')[0]))
            .map((span) => join(root, span));
          for (const file of [...named, ...paths]) {
            if (!existsSync(file)) missing.push(`${page}:${row.line} ${relative(root, file)}`);
          }
        }
      }
    }
    assert.deepEqual(missing, []);
  });

  void it('give every source folder its row on the architecture page', () => {
    const rows = new Set(
      markdownTables(read(ARCHITECTURE))
        .filter((table) => table.header[0] === 'folder')
        .flatMap((table) => table.rows.flatMap((row) => codeSpans(row.cells[0]))),
    );
    const sourceFolders = topFolders().filter((folder) => hasTypeScript(join(root, folder)));
    assert.ok(sourceFolders.includes('workflows'), 'the source folders are found');
    assert.deepEqual(
      sourceFolders.filter((folder) => !rows.has(`${folder}/`)),
      [],
      `add a row to the folder table of ${ARCHITECTURE}`,
    );
  });

  void it('say on the architecture page where each option is decided', () => {
    const named = new Set(
      markdownTables(read(ARCHITECTURE))
        .filter((table) => table.header[0] === 'options')
        .flatMap((table) => table.rows.flatMap((row) => row.cells.flatMap(codeSpans))),
    );
    // A nested option is covered by its parent's name (`earlyStop`) or a wildcard (`arithmetic.*`).
    const covered = (key: string) => {
      const parent = key.split('.')[0];
      return named.has(key) || named.has(parent) || named.has(`${parent}.*`);
    };
    const keys = optionCatalog().map((entry) => entry.key);
    assert.deepEqual(
      keys.filter((key) => !covered(key)),
      [],
      `add them to "Where each option is decided" in ${ARCHITECTURE}`,
    );
  });
});
