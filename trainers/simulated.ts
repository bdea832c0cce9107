import type { Trainer } from './trainer';

/**
 * The simulation, for capacity planning: sleeps per step and writes marker checkpoints. Its base
 * model is a name only (never read), so its records are GPT-2 BPE, as for the reference trainer.
 */
export const simulatedTrainer: Trainer = {
  name: 'simulated',
  runsOn: 'worker',
  baseModel: 'unchecked',
  recordTokenizer: 'gpt2',
  trainSet: 'index-uri',
};
