/**
 * The `simulated` inference, for capacity planning: a `Sampler` that answers each request from the
 * answer key, correct with probability `simulatedCorrectRate` by a draw keyed by (seed, sampling
 * model's iteration, request seed) (core/prng; the request seed is keyed by the example id, the sample
 * index and whether it is hinted), after `simulatedSampleMs` per sample. Everything
 * around it (chunked saving, manifests, merge, records) is the code a real run uses.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { buildPrompt } from '../core/prompt';
import { keyedUnit } from '../core/prng';
import type { Example, Task } from '../core/example';
import type { Sampler } from '../core/rationale-selection';
import { simulatedCompletion } from '../core/simulated-completion';
import { BadInputError } from '../core/errors';

/** What a pass prompts with, so the sampler finds the example a prompt asks about. */
export interface SampledPass {
  task: Task;
  examples: readonly Example[];
  /** The few-shot prompt lists the pass may use (plain, answer key). */
  fewShots: readonly (readonly string[])[];
  direct: boolean;
}

export interface SimulationSettings {
  seed: number;
  /** The iteration whose model samples (0 = base), so each model has its own pattern. */
  modelIteration: number;
  correctRate: number;
  sampleMs: number;
  signal?: AbortSignal;
}

/** Progress is reported at least this often while a chunk's latency elapses (it heartbeats). */
const PROGRESS_EVERY_MS = 1000;

export function simulatedSampler(pass: SampledPass, settings: SimulationSettings): Sampler {
  const taskName = pass.task.name;
  // The input check refuses this pairing: a task file's answer rule has no output format to simulate.
  if (taskName === 'file')
    throw new BadInputError(
      'inference "simulated" writes the built-in tasks\' output formats; a task file has none: use inference "embedded" or "openai"',
    );
  const byContext = new Map<string, Example>();
  for (const example of pass.examples) {
    byContext.set(pass.task.context(example, { hint: false }), example);
    byContext.set(pass.task.context(example, { hint: true }), example);
  }
  const prefixes = ['', ...pass.fewShots.map((fewShot) => buildPrompt(fewShot, '', { noPrompt: false }))];
  const exampleOf = (prompt: string): Example => {
    for (const prefix of prefixes) {
      const found = prompt.startsWith(prefix) ? byContext.get(prompt.slice(prefix.length)) : undefined;
      if (found) return found;
    }
    throw new Error(
      `the simulated sampler was asked about a prompt of none of its ${pass.examples.length} examples: ${JSON.stringify(prompt.slice(-80))}`,
    );
  };

  return async (requests, onProgress) => {
    const outputs = requests.map(({ prompt, seed }) => {
      const example = exampleOf(prompt);
      // The request's seed is keyed by the example id and sample index (and hinted or not), so the draw
      // is keyed by them; not by the example found, since a question may repeat under other ids.
      const draw = keyedUnit(settings.seed, 'simulated-correct', `${settings.modelIteration}\u0000${seed}`);
      return simulatedCompletion(taskName, example, draw < settings.correctRate, { direct: pass.direct });
    });
    await elapse(requests.length, settings, onProgress);
    return outputs;
  };
}

/** Sleeps `sampleMs` per sample, reporting progress along the way; a cancellation ends it at once. */
async function elapse(samples: number, settings: SimulationSettings, onProgress?: (done: number) => void): Promise<void> {
  if (settings.sampleMs > 0) {
    const perSlice = Math.max(1, Math.floor(PROGRESS_EVERY_MS / settings.sampleMs));
    for (let done = 0; done < samples;) {
      const slice = Math.min(perSlice, samples - done);
      try {
        await sleep(slice * settings.sampleMs, undefined, { signal: settings.signal });
      } catch (err) {
        throw settings.signal?.aborted ? (settings.signal.reason ?? err) : err;
      }
      done += slice;
      onProgress?.(done);
    }
  }
  onProgress?.(samples);
}
