import type { Trainer } from './trainer';

/**
 * A trainer command run on every host at once (`commandTemplate`): the reference's `device_train.py`
 * or the embedded model's command-line entry.
 */
export const commandTrainer: Trainer = {
  name: 'command',
  runsOn: 'hosts',
  baseModel: 'unchecked',
  recordTokenizer: 'base-checkpoint-if-any',
  trainSet: 'reference-name-on-gs',
};
