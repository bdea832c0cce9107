/**
 * Values taken from environment variables (`${NAME}` in an experiment input or a command template)
 * shown as the reference they came from. Every form a value takes in output is masked: as written,
 * JSON-escaped (a `"` or `\` in it is printed escaped by `--json` and in quoted messages) and escaped
 * twice (JSON inside a JSON string). Masking happens before any truncation, so a shortened long token
 * cannot leak its first characters. Pure.
 */
export interface SecretValue {
  /** The variable's name. */
  name: string;
  value: string;
}

/**
 * Values shorter than this are not masked: a variable holding `3` or `gpu` would otherwise hide every
 * such digit or word of the output. Credentials are far longer.
 */
export const MIN_MASKED_LENGTH = 4;

/** `text` with every form of every secret value replaced by `${NAME}`. */
export function maskSecretValues(text: string, secrets: readonly SecretValue[]): string {
  const forms: { form: string; name: string }[] = [];
  for (const { name, value } of secrets) {
    if (value.length < MIN_MASKED_LENGTH) continue;
    const once = JSON.stringify(value).slice(1, -1);
    const twice = JSON.stringify(once).slice(1, -1);
    for (const form of new Set([value, once, twice])) forms.push({ form, name });
  }
  // Longest first, so a value that contains another is masked whole.
  forms.sort((a, b) => b.form.length - a.form.length);
  return forms.reduce((out, { form, name }) => out.split(form).join(`\${${name}}`), text);
}
