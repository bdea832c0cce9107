/**
 * Just enough Markdown reading to keep the docs true: the links a page makes, the anchors its
 * headings give (as GitHub makes them), and the rows of its tables. Code blocks are left out, so a
 * shell line or a layout sketch is never taken for a link or a table.
 */

export interface MarkdownLink {
  /** The target as written: `docs/storage.md#layout-of-a-run`, `#resuming`. */
  target: string;
  line: number;
}

/** The page without its fenced code blocks (their lines kept empty, so line numbers stay right). */
export function withoutCodeBlocks(text: string): string[] {
  let fenced = false;
  return text.split('\n').map((line) => {
    if (/^\s*```/.test(line)) {
      fenced = !fenced;
      return '';
    }
    return fenced ? '' : line;
  });
}

/** Links and images outside code: `[text](target)`, `![alt](target)`; inline code spans are skipped. */
export function markdownLinks(text: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  withoutCodeBlocks(text).forEach((line, index) => {
    const prose = line.replace(/`[^`]*`/g, '');
    for (const match of prose.matchAll(/\]\(([^)\s]+)\)/g)) links.push({ target: match[1], line: index + 1 });
  });
  return links;
}

/** A link to another site, a mail address or the like: nothing here to check. */
export function isExternal(target: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(target);
}

/**
 * The anchors of a page's headings as GitHub makes them: lower case, punctuation dropped, spaces
 * to hyphens, and `-1`, `-2` ... for repeated headings.
 */
export function headingAnchors(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of withoutCodeBlocks(text)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const slug = heading[1]
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

export interface MarkdownTable {
  /** The header's cells, trimmed. */
  header: string[];
  /** Each body row's cells, trimmed, with the row's line number. */
  rows: { cells: string[]; line: number }[];
}

/** Every table outside code: a header row, a `|---|` row, then body rows. */
export function markdownTables(text: string): MarkdownTable[] {
  const lines = withoutCodeBlocks(text);
  const tables: MarkdownTable[] = [];
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!isRow(lines[i]) || !/^\s*\|[\s:|-]+\|\s*$/.test(lines[i + 1])) continue;
    const table: MarkdownTable = { header: cellsOf(lines[i]), rows: [] };
    let j = i + 2;
    for (; j < lines.length && isRow(lines[j]); j++) table.rows.push({ cells: cellsOf(lines[j]), line: j + 1 });
    tables.push(table);
    i = j - 1;
  }
  return tables;
}

function isRow(line: string): boolean {
  return /^\s*\|.*\|\s*$/.test(line);
}

/** A row's cells; `\|` inside a cell (as in `start\|stop`) does not split it. */
function cellsOf(line: string): string[] {
  return line
    .trim()
    .slice(1, -1)
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim());
}

/** The code spans of a cell: `` `core/` ``, `` `a.ts`, `b.ts` `` → `['core/']`, `['a.ts', 'b.ts']`. */
export function codeSpans(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]);
}
