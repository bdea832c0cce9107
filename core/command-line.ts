/**
 * Command lines as the project runs them: a template such as
 * `python3 device_train.py --config {config}` becomes an argument vector. The template is split into
 * words first (whitespace separates them, quotes group them), and only then are placeholders replaced
 * inside each word, so a value with spaces or shell characters stays one argument and is never
 * interpreted: nothing runs through a shell, so shell syntax is refused here, where it is read.
 *
 * `${NAME}` names an environment variable of the machine that runs the command (a credential, a
 * folder only that host knows). It stays in the template as written, everywhere the template is
 * stored or shown, and is expanded only at run time, by `withEnvironment`, into the argument vector
 * handed to the program; output of the program is masked with `maskSecretValues`.
 *
 * An explicit shell (`bash -c '...'`) runs its command string as code, so a placeholder value there
 * (a folder named `m;touch X`) would run too: placeholders are refused inside a shell's command string
 * and given as arguments after it instead (`bash -c 'train --config "$1"' bash {config}`).
 * Pure (no Node), so the input schema checks templates with the same code the host runs them with.
 */
import { BadInputError } from './errors';
import { maskSecretValues, type SecretValue } from './secret-mask';

export class CommandTemplateError extends BadInputError {
  override readonly name = 'CommandTemplateError';
}

/** `{name}`, not the braces of an environment reference `${NAME}`. */
const PLACEHOLDER = /(?<!\$)\{([A-Za-z_][A-Za-z0-9_]*)\}/;

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
      const reference = ch === '$' ? /^\$\{[A-Za-z_][A-Za-z0-9_]*\}/.exec(template.slice(i)) : null;
      if (reference) {
        // An environment reference, expanded where the command runs (withEnvironment).
        word += reference[0];
        i += reference[0].length - 1;
        inWord = true;
        continue;
      }
      if (ch === '`' || (ch === '$' && /[({A-Za-z_]/.test(template[i + 1] ?? ''))) {
        throw new CommandTemplateError(
          `command template ${JSON.stringify(template)} uses shell expansion (${ch === '`' ? '`' : `$${template[i + 1]}`}) but is run without a shell. ` +
            "Use the placeholders {config}, {base_model}, ..., ${NAME} for an environment variable of the host, or wrap it explicitly: bash -c '...'",
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
export function expandTemplate<V extends { [K in keyof V]: string | number }>(
  template: string,
  values: V,
  placeholders: readonly (keyof V & string)[],
): string[] {
  const words = splitTemplateChecked(template);
  const code = shellCommandStringIndex(words);
  const inCode = code >= 0 ? PLACEHOLDER.exec(words[code] as string) : null;
  if (inCode) {
    const shell = words.slice(0, code).join(' ');
    throw new CommandTemplateError(
      `command template ${JSON.stringify(template)} puts {${inCode[1]}} inside the command string of \`${shell}\`, where the shell would run quotes, ";" or "$(...)" ` +
        `in its value as code: give values as arguments after the string and use them as "$1", "$2", ..., e.g. ` +
        `${shell} 'python3 train.py --config "$1"' ${words[0]?.split('/').pop()} {config}`,
    );
  }
  return words.map((word) =>
    word.replace(new RegExp(PLACEHOLDER.source, 'g'), (_match, name: string) => {
      if (!(placeholders as readonly string[]).includes(name)) {
        throw new CommandTemplateError(
          `command template ${JSON.stringify(template)} names {${name}}, which is not a placeholder; known: ${placeholders.map((p) => `{${p}}`).join(', ')}`,
        );
      }
      return String(values[name as keyof V]);
    }),
  );
}

/** The placeholder names a template uses, in order of first use (a `${NAME}` reference is not one). */
export function templatePlaceholders(template: string): string[] {
  const names = splitTemplate(template).flatMap((word) =>
    [...word.matchAll(new RegExp(PLACEHOLDER.source, 'g'))].map((m) => m[1] as string),
  );
  return [...new Set(names)];
}

/** Shells whose `-c` takes a command string of code. */
const SHELL = /^(?:ba|da|z|k|a|mk)?sh$/;

/**
 * The index of the word a shell runs as code (`bash -c WORD`, `sh -ec WORD`, `env X=1 bash -lc WORD`),
 * or -1 when the command is not a shell given a command string.
 */
export function shellCommandStringIndex(words: readonly string[]): number {
  let i = 0;
  if (baseName(words[0] ?? '') === 'env') {
    i = 1;
    while (i < words.length && (/^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i] as string) || (words[i] as string).startsWith('-'))) i += 1;
  }
  if (!SHELL.test(baseName(words[i] ?? ''))) return -1;
  for (let j = i + 1; j < words.length; j += 1) {
    const word = words[j] as string;
    if (/^-[A-Za-z]*c[A-Za-z]*$/.test(word)) return j + 1 < words.length ? j + 1 : -1;
    if (word === '-o' || word === '+o') j += 1;
    else if (!word.startsWith('-') && !word.startsWith('+')) return -1; // a script file: its arguments are not code
  }
  return -1;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export class UnsetVariableError extends BadInputError {
  override readonly name = 'UnsetVariableError';
}

/** A command ready to run: its argument vector, the same as written (with `${NAME}`) for logs, and the mask for its output. */
export interface ResolvedCommand {
  argv: string[];
  /** What logs and messages show: `${NAME}` as written, never the value. */
  shown: string[];
  secrets: SecretValue[];
  /** Output of the program with every referenced value shown as `${NAME}`. */
  mask(text: string): string;
}

/**
 * Expands the `${NAME}` references of a command's words from `env`, on the machine that runs it, at
 * run time. Inside a shell's command string they are left for the shell, which expands them from the
 * same environment without running the value as code; they must still be set.
 */
export function withEnvironment(
  words: readonly string[],
  env: Record<string, string | undefined>,
  where = 'this machine',
): ResolvedCommand {
  const code = shellCommandStringIndex(words);
  const secrets = new Map<string, string>();
  const argv = words.map((word, index) =>
    word.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (reference, name: string) => {
      const value = env[name];
      if (value === undefined || value === '') {
        throw new UnsetVariableError(
          `the command ${JSON.stringify(words.join(' '))} uses \${${name}}, which is not set on ${where}: set ${name} in the environment of the worker that runs it`,
        );
      }
      secrets.set(name, value);
      return index === code ? reference : value;
    }),
  );
  const values = [...secrets].map(([name, value]) => ({ name, value }));
  return { argv, shown: [...words], secrets: values, mask: (text) => maskSecretValues(text, values) };
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
  if (words.length === 0)
    throw new CommandTemplateError('command template is empty: give the trainer command, e.g. python3 device_train.py --config {config}');
  return words;
}
