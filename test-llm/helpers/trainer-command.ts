/**
 * Runs the Hugging Face trainer as the host worker would: the preset's commandTemplate expanded into an
 * argument vector, the program resolved from the project root, the output read line by line by the
 * host's own step parser.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expandCommand } from '../../contracts/command-templates';
import { resolveProgram } from '../../host/resolve-command';
import { StepTracker } from '../../core/step-parser';
import { TrainerProcess, type TrainerExit } from '../../host/trainer-process';
import { ROOT } from '../../scripts/make-tiny-lm';
import type { ExperimentInput } from '../../contracts/experiment-input';

export function presetCommandTemplate(preset: string): string {
  const input = JSON.parse(readFileSync(join(ROOT, 'configs', 'presets', `${preset}.json`), 'utf8')) as { commandTemplate: string };
  return input.commandTemplate;
}

export interface TrainerRun {
  process: TrainerProcess;
  lines: string[];
  steps: StepTracker;
  exited: Promise<TrainerExit>;
}

export interface TrainerCommandOptions {
  template: string;
  configPath: string;
  baseModel: string;
  modelDir: string;
  totalSteps: number;
  /** Called after each line is parsed (e.g. to kill the trainer at some step). */
  onLine?: (line: string, run: TrainerRun) => void;
}

export async function startTrainer(options: TrainerCommandOptions): Promise<TrainerRun> {
  const argv = expandCommand(options.template, {
    config: options.configPath,
    base_model: options.baseModel,
    model_dir: options.modelDir,
    train_index: '',
    total_steps: options.totalSteps,
    iteration: 1,
    host: 'local',
    host_index: 0,
    host_count: 1,
  });
  const env = { ...process.env, HF_HUB_OFFLINE: '1', OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? '1' };
  const program = resolveProgram(argv[0] as string, ROOT, env);
  const lines: string[] = [];
  const steps = new StepTracker(options.totalSteps);
  const run = {} as TrainerRun;
  run.lines = lines;
  run.steps = steps;
  run.process = await TrainerProcess.start({
    argv: [program, ...argv.slice(1)],
    cwd: ROOT,
    env,
    onLine: (line) => {
      lines.push(line);
      steps.see(line);
      options.onLine?.(line, run);
    },
  });
  run.exited = run.process.exited;
  return run;
}

/** A field of a committed preset, as the experiment input takes it. */
export function presetField<K extends keyof ExperimentInput>(preset: string, field: K): ExperimentInput[K] {
  const input = JSON.parse(readFileSync(join(ROOT, 'configs', 'presets', `${preset}.json`), 'utf8')) as ExperimentInput;
  if (input[field] === undefined) throw new Error(`preset ${preset} has no ${field}`);
  return input[field];
}
