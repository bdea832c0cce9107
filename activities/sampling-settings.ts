/**
 * The generation pass's several-samples settings as activities use them: what goes into the shard's
 * manifest digest, and the `command` verifier as core's `Verifier`.
 */
import { commandWords, withEnvironment, type Verifier } from '../core';
import { runVerifierCommand } from '../processes/verifier-command';
import type { ExperimentOptions } from '../contracts/experiment-input';
import { cancellationSignal, whileHeartbeating } from '../activity-context/progress';

/**
 * The settings that change what a shard keeps, or undefined when they are STaR's pass (k = 1, one
 * kept, the task's checker), so shards of runs from before these options keep their digests.
 */
export function samplingSettings(o: ExperimentOptions) {
  const isDefault =
    o.samplesPerQuestion === 1 && o.keepPerQuestion === 1 && o.rationalizeOnlyIfAllFail && o.verifier === 'exact' && !o.keepAll;
  if (isDefault) return undefined;
  return {
    samplesPerQuestion: o.samplesPerQuestion,
    keepPerQuestion: o.keepPerQuestion,
    dedup: o.dedup,
    rationalizeOnlyIfAllFail: o.rationalizeOnlyIfAllFail,
    verifier: o.verifier === 'command' ? { command: o.verifierCommand } : undefined,
    // Only when on, so the digests of shards saved before the option existed stay as they were.
    ...(o.keepAll ? { keepAll: true } : {}),
  };
}

/**
 * How continuations are read, for the manifest digest: `clean-up` since the reference's clean-up of
 * spaces before punctuation is applied (shards saved before it read raw text, and are not reused);
 * undefined with it off, which is how every shard read before.
 */
export function decodeKey(o: ExperimentOptions): 'clean-up' | undefined {
  return o.cleanUpTokenizationSpaces ? 'clean-up' : undefined;
}

/**
 * The `command` verifier over the experiment's verifierCommand, or undefined for the task's checker.
 * It heartbeats while the program runs: a verifier may take longer than the heartbeat timeout.
 */
export function commandVerifier(o: ExperimentOptions): Verifier | undefined {
  if (o.verifier !== 'command') return undefined;
  // ${NAME} references are expanded here, on the worker that runs the verifier, and never stored.
  const command = withEnvironment(commandWords(o.verifierCommand ?? ''), process.env, 'this worker');
  return (items) =>
    whileHeartbeating(`verifying ${items.length} samples`, async () => {
      try {
        return await runVerifierCommand(command.argv, items, { timeoutSeconds: o.verifierTimeoutSeconds, signal: cancellationSignal() });
      } catch (err) {
        // Its messages quote the command line and the program's output.
        if (err instanceof Error) err.message = command.mask(err.message);
        throw err;
      }
    });
}
