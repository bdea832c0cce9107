/**
 * The line each key of a JSON text starts on, so an error about field `answer.pattern` can name the
 * line an editor shows. JSON.parse gives values, not positions; this scanner walks the same text once.
 */

/** `answer.pattern` → 1-based line of that key (array items: `data.stop.0` → the item's line). */
export function jsonKeyLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  let i = 0;
  let line = 1;
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i] as string)) {
      if (text[i] === '\n') line += 1;
      i += 1;
    }
  };
  const readString = (): string => {
    const start = i;
    i += 1;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i += 1;
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      return text.slice(start + 1, i - 1);
    }
  };
  const value = (path: string[]): void => {
    skipSpace();
    const ch = text[i];
    if (ch === '{') {
      i += 1;
      for (;;) {
        skipSpace();
        if (text[i] === '}' || i >= text.length) break;
        if (text[i] !== '"') return;
        const at = line;
        const key = readString();
        lines.set([...path, key].join('.'), at);
        skipSpace();
        i += 1; // ':'
        value([...path, key]);
        skipSpace();
        if (text[i] === ',') i += 1;
      }
      i += 1;
    } else if (ch === '[') {
      i += 1;
      for (let n = 0; ; n += 1) {
        skipSpace();
        if (text[i] === ']' || i >= text.length) break;
        lines.set([...path, String(n)].join('.'), line);
        value([...path, String(n)]);
        skipSpace();
        if (text[i] === ',') i += 1;
      }
      i += 1;
    } else if (ch === '"') {
      readString();
    } else {
      while (i < text.length && !/[\s,}\]]/.test(text[i] as string)) i += 1;
    }
  };
  value([]);
  return lines;
}

/** The line of `path` or, failing that, of its nearest parent that has one (1 for the whole file). */
export function lineOf(lines: Map<string, number>, path: readonly PropertyKey[]): number {
  for (let n = path.length; n > 0; n -= 1) {
    const found = lines.get(path.slice(0, n).map(String).join('.'));
    if (found !== undefined) return found;
  }
  return 1;
}
