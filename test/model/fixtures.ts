import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Tokenizer } from '../../core/tokenizer';

export const TINY = { layers: 2, d_model: 32, n_heads: 2, n_vocab: 288, seq: 64, tokenizer: 'arithmetic' };

export function tempDir(prefix = 'model-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The scratchpad of `a + b` as the reference writes it (digits separated by spaces). */
export function scratchpadExample(a: number, b: number): string {
  const da = String(a).split('').map(Number);
  const db = String(b).split('').map(Number);
  const lines: string[] = [`${da.join(' ')} + ${db.join(' ')} , C: 0`];
  let carry = 0;
  const sum: number[] = [];
  const ra = [...da];
  const rb = [...db];
  while (ra.length || rb.length) {
    const x = ra.pop() ?? 0;
    const y = rb.pop() ?? 0;
    const s = x + y + carry;
    sum.unshift(s % 10);
    carry = s >= 10 ? 1 : 0;
    const left = ra.length ? `${ra.join(' ')} + ${rb.join(' ')} ` : '';
    lines.push(`${left}, ${sum.join(' ')} C: ${carry}`);
  }
  lines.push(`${carry} ${sum.join(' ')}`);
  return `Input:\n${da.join(' ')} + ${db.join(' ')}\nTarget:\n<scratch>\n${lines.join('\n')}\n</scratch>\n${String(a + b)
    .split('')
    .join(' ')}\n<|endoftext|>`;
}

/** Packs examples back to back into chunks of `len` ids (the remainder is dropped), like the records. */
export function packedChunks(tokenizer: Tokenizer, texts: string[], len: number): Int32Array[] {
  const ids = texts.flatMap((t) => tokenizer.encode(t));
  const chunks: Int32Array[] = [];
  for (let i = 0; i + len <= ids.length; i += len) chunks.push(Int32Array.from(ids.slice(i, i + len)));
  return chunks;
}
