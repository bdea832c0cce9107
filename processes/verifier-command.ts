/**
 * The `command` verifier: a program the user gives (an argument vector, run without a shell) judges a
 * batch of samples. It reads JSONL `{id, question, answer, output}` on stdin and writes JSONL
 * `{id, correct}` on stdout, one line per sample in any order; then it exits 0. A program that
 * fails, answers wrongly or runs past the timeout is a `VerifierError`: retrying would not fix it.
 */
import { spawn } from 'node:child_process';
import { BadInputError } from '../core/errors';
import type { VerifyItem } from '../core/rationale-selection';

export class VerifierError extends BadInputError {
  override name = 'VerifierError';
}

export interface VerifierCommandOptions {
  /** Seconds the program may take for one batch before it is killed. */
  timeoutSeconds: number;
  cwd?: string;
  /** Aborting (the activity was cancelled) kills the program. */
  signal?: AbortSignal;
}

const TAIL = 2000;

/** Runs the verifier on `items` and returns one verdict per item, in the items' order. */
export async function runVerifierCommand(
  argv: readonly string[],
  items: readonly VerifyItem[],
  options: VerifierCommandOptions,
): Promise<boolean[]> {
  if (items.length === 0) return [];
  const [program, ...args] = argv;
  if (!program) throw new VerifierError('the verifier command is empty: set verifierCommand, e.g. "python3 check.py"');
  const shown = JSON.stringify(argv.join(' '));
  const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(program, args, { cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'], shell: false });
    let out = '';
    let err = '';
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(error);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(
        new VerifierError(
          `the verifier ${shown} gave no complete answer within ${options.timeoutSeconds} s for ${items.length} samples and was killed; ` +
            'make it read all of stdin, write one {"id", "correct"} line per sample and exit, or raise verifierTimeoutSeconds',
        ),
      );
    }, options.timeoutSeconds * 1000);
    const onAbort = () => {
      child.kill('SIGKILL');
      fail(new Error(`the verifier ${shown} was stopped: the step was cancelled`));
    };
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('close', () => options.signal?.removeEventListener('abort', onAbort));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err = (err + chunk).slice(-TAIL)));
    child.on('error', (error: NodeJS.ErrnoException) =>
      fail(
        new VerifierError(
          error.code === 'ENOENT'
            ? `the verifier program ${JSON.stringify(program)} was not found; give its full path or put it on PATH (verifierCommand)`
            : `the verifier ${shown} could not run: ${error.message}`,
        ),
      ),
    );
    child.on('close', (code, signal) => {
      if (settled) return;
      if (code !== 0) {
        fail(
          new VerifierError(
            `the verifier ${shown} exited with ${signal ? `signal ${signal}` : `status ${code}`}; fix it and resume. Its last output:\n${err.trim() || '(nothing on stderr)'}`,
          ),
        );
        return;
      }
      settled = true;
      clearTimeout(timer);
      resolve({ stdout: out, stderr: err });
    });
    // A verifier that exits without reading all of stdin is judged by its exit status and answers.
    child.stdin.on('error', () => undefined);
    child.stdin.end(items.map((item) => JSON.stringify(item)).join('\n') + '\n');
  });
  return parseVerdicts(stdout, items, shown, stderr);
}

function parseVerdicts(stdout: string, items: readonly VerifyItem[], shown: string, stderr: string): boolean[] {
  const wanted = new Set(items.map((item) => item.id));
  const verdicts = new Map<string, boolean>();
  stdout.split('\n').forEach((line, n) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new VerifierError(
        `the verifier ${shown} wrote line ${n + 1} that is not JSON: ${JSON.stringify(line.slice(0, 200))}; each line must be {"id": ..., "correct": true|false}`,
      );
    }
    const { id, correct } = (value ?? {}) as { id?: unknown; correct?: unknown };
    if (typeof id !== 'string' || typeof correct !== 'boolean') {
      throw new VerifierError(
        `the verifier ${shown} wrote line ${n + 1} ${JSON.stringify(line.slice(0, 200))}; each line must be {"id": "<the sample's id>", "correct": true|false}`,
      );
    }
    if (!wanted.has(id)) throw new VerifierError(`the verifier ${shown} answered for id ${JSON.stringify(id)}, which it was not given`);
    if (verdicts.has(id)) throw new VerifierError(`the verifier ${shown} answered twice for id ${JSON.stringify(id)}`);
    verdicts.set(id, correct);
  });
  const missing = items.filter((item) => !verdicts.has(item.id));
  if (missing.length > 0) {
    throw new VerifierError(
      `the verifier ${shown} gave no verdict for ${missing.length} of ${items.length} samples (first: ${JSON.stringify(missing[0]?.id)}); ` +
        `it must write one line per input line.${stderr.trim() ? ` Its stderr:\n${stderr.trim()}` : ''}`,
    );
  }
  return items.map((item) => verdicts.get(item.id) as boolean);
}
