import type { Trainer } from './trainer';

/** The embedded TensorFlow.js trainer: fine-tunes an embedded checkpoint on an experiment worker. */
export const embeddedTrainer: Trainer = {
  name: 'embedded',
  runsOn: 'worker',
  baseModel: 'embedded-checkpoint',
  recordTokenizer: 'base-checkpoint',
  trainSet: 'index-uri',
};
