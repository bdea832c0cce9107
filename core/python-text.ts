/**
 * Python's `str` semantics where the reference's text handling depends on them, so the same output
 * gets the same decision here.
 */

/**
 * The characters Python's `str.strip()` removes (`str.isspace()`): JavaScript's `trim()` set without
 * U+FEFF, plus the separators U+001C–U+001F and U+0085.
 */
const PY_WHITESPACE =
  '\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';

export function isPyWhitespace(ch: string): boolean {
  return ch.length === 1 && PY_WHITESPACE.includes(ch);
}

/** Python's `text.strip()`. */
export function pyStrip(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isPyWhitespace(text[start] as string)) start += 1;
  while (end > start && isPyWhitespace(text[end - 1] as string)) end -= 1;
  return text.slice(start, end);
}

/**
 * Text as Python reads a file opened in text mode (`open(path)`, universal newlines): `\r\n` and a
 * lone `\r` both become `\n`.
 */
export function universalNewlines(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}
