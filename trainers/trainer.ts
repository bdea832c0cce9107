/**
 * What the workflow, the CLI and the activities need to know of a trainer, without running it. Each
 * trainer is one descriptor here (pure: the workflow sandbox imports it) and one implementation on the
 * side that trains (activities/ for the worker trainers, host/ for the hosts), so the code that
 * differs between trainers asks the descriptor, never the trainer's name.
 */
import type { ExperimentOptions } from '../contracts/experiment-input';

export type TrainerName = ExperimentOptions['trainer'];

export interface Trainer {
  name: TrainerName;
  /**
   * Where an iteration trains: on the experiment's hosts (one `trainOnHost` activity per host, each on
   * its own task queue) or on an experiment worker (the `trainModel` activity).
   */
  runsOn: 'hosts' | 'worker';
  /**
   * What baseModelLocation must be before the run starts: an embedded-model checkpoint (checked by the
   * CLI and by prepareExperiment, so a typo fails in seconds), or whatever the trainer reads itself
   * (a reference checkpoint, or only a name for the simulation), which is not checked up front.
   */
  baseModel: 'embedded-checkpoint' | 'unchecked';
  /**
   * The tokenizer and record length of the records step: the base checkpoint's own (its manifest),
   * the base checkpoint's when it has a manifest and GPT-2 BPE otherwise (a command trainer may run
   * the embedded model's command-line entry or the reference's GPT-J), or GPT-2 BPE always.
   */
  recordTokenizer: 'base-checkpoint' | 'base-checkpoint-if-any' | 'gpt2';
  /**
   * The config's `train_set`: the index's storage URI, or the reference's name `{exp}/{exp}_{i}.index`
   * on a gs:// root, where the reference's `device_train.py` reads `data/{train_set}` relative to its
   * working directory (each host copies the index there).
   */
  trainSet: 'index-uri' | 'reference-name-on-gs';
}
