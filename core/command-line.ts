/**
 * Command lines as the project runs them: a template such as
 * `python3 device_train.py --config {config}` becomes an argument vector. The template is split into
 * words first (whitespace separates them, quotes group them), and only then are placeholders replaced
 * inside each word, so a value with spaces or shell characters stays one argument and is never
 * interpreted: nothing runs through a shell, so shell syntax is refused here, where it is read.
 * Pure (no Node), so the input schema checks templates with the same code the host runs them with.
 */
import { BadInputError } from './errors';

export class CommandTemplateError extends BadInputError {
  override readonly name = 'CommandTemplateError';
}

// Shell syntax in a template would reach the program as literal arguments, which is never what was meant.
const SHELL_OPERATORS = new Set(['|', '||', '&', '&&', ';', '>', '>>', '<', '2>', '2>&1']);

/** Splits a template into words: whitespace separates, '…' and "…" group, backslash escapes one character. */
export function splitTemplate(template: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < template.length; i += 1) {
    const ch = template[i];
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === '\\' && quote === '"' && i + 1 < template.length) word += template[++i];
      else word += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < template.length) {
      word += template[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      if (ch === '`' || (ch === '$' && /[({A-Za-z_]/.test(template[i + 1] ?? ''))) {
        throw new CommandTemplateError(
          `command template ${JSON.stringify(template)} uses shell expansion (${ch === '`' ? '`' : `$${template[i + 1]}`}) but is run without a shell. ` +
            "Use the placeholders {config}, {base_model}, ... or wrap it explicitly: bash -c '...'",
        );
      }
      word += ch;
      inWord = true;
    }
  }
  if (quote) throw new CommandTemplateError(`command template ${JSON.stringify(template)} has an unclosed ${quote} quote`);
  if (inWord) words.push(word);
  return words;
}

/** The argument vector of `template` with every `{name}` (one of `placeholders`) replaced by its value, word by word. */
export function expandTemplate<V extends { [K in keyof V]: string | number }>(template: string, values: V, placeholders: readonly (keyof V & string)[]): string[] {
  const words = splitTemplateChecked(template);
  return words.map((word) =>
    word.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_match, name: string) => {
      if (!(placeholders as readonly string[]).includes(name)) {
        throw new CommandTemplateError(
          `command template ${JSON.stringify(template)} names {${name}}, which is not a placeholder; known: ${placeholders.map((p) => `{${p}}`).join(', ')}`,
        );
      }
      return String(values[name as keyof V]);
    }),
  );
}

/** The words of a command line, refusing shell operators and expansion (nothing here runs through a shell). */
export function commandWords(template: string): string[] {
  return splitTemplateChecked(template);
}

function splitTemplateChecked(template: string): string[] {
  // Operators are only checked unquoted, so they are found on the raw text's bare words.
  const bare = template.split(/\s+/).filter((w) => w && !/['"\\]/.test(w));
  const operator = bare.find((w) => SHELL_OPERATORS.has(w));
  if (operator) {
    throw new CommandTemplateError(
      `command template ${JSON.stringify(template)} contains the shell operator ${JSON.stringify(operator)}; it is run without a shell, ` +
        "so write one command, or wrap it explicitly: bash -c '...'",
    );
  }
  const words = splitTemplate(template);
  if (words.length === 0) throw new CommandTemplateError('command template is empty: give the trainer command, e.g. python3 device_train.py --config {config}');
  return words;
}
