/**
 * Templates of a task file: `{name}` is replaced by a value, `{{` and `}}` are literal braces. Names
 * are checked when the task file is read, so a typo fails before any sampling.
 */

export type TemplatePart = { text: string } | { name: string };

/** The parts of `template`, or a sentence saying what is wrong with it. */
export function parseTemplate(template: string): TemplatePart[] | string {
  const parts: TemplatePart[] = [];
  let text = '';
  for (let i = 0; i < template.length; i += 1) {
    const ch = template[i] as string;
    const next = template[i + 1];
    if ((ch === '{' && next === '{') || (ch === '}' && next === '}')) {
      text += ch;
      i += 1;
    } else if (ch === '{') {
      const end = template.indexOf('}', i);
      if (end === -1) return `an unclosed "{" at character ${i + 1}: close the placeholder, or write "{{" for a literal brace`;
      const name = template.slice(i + 1, end);
      if (!/^[a-z]+$/.test(name))
        return `"{${name}}" is not a placeholder: placeholders are lower-case names such as {question}; write "{{" and "}}" for literal braces`;
      if (text) parts.push({ text });
      text = '';
      parts.push({ name });
      i = end;
    } else if (ch === '}') {
      return `a "}" without "{" at character ${i + 1}: write "}}" for a literal brace`;
    } else {
      text += ch;
    }
  }
  if (text) parts.push({ text });
  return parts;
}

/** The first placeholder of `template` not in `allowed`, with what to write instead; undefined when all are known. */
export function templateProblem(template: string, allowed: readonly string[]): string | undefined {
  const parts = parseTemplate(template);
  if (typeof parts === 'string') return parts;
  for (const part of parts) {
    if ('name' in part && !allowed.includes(part.name)) {
      return `unknown placeholder {${part.name}}: this template may use ${allowed.map((n) => `{${n}}`).join(', ')}`;
    }
  }
  return undefined;
}

/** `template` with every placeholder replaced from `values` (checked names only: a missing value is empty). */
export function renderTemplate(template: string, values: Readonly<Record<string, string>>): string {
  const parts = parseTemplate(template);
  if (typeof parts === 'string') throw new Error(`template ${JSON.stringify(template)}: ${parts}`);
  return parts.map((part) => ('name' in part ? (values[part.name] ?? '') : part.text)).join('');
}
