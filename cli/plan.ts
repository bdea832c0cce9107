import type { GrowthSettings } from '../core/step-growth';
import type { ExperimentOptions } from '../contracts/experiment-input';
import { growthSettings } from '../core/step-growth';
import { planExperiment, type PlannedIteration } from '../workflows/plan';
import { inputFlags, noPositionals, parseCommandArgs } from './args';
import { resolveExperimentInput } from './experiment-input';
import { maskConsoleOutput } from './output-mask';
import { withClientStorageRoot } from './storage-root';
import { checkTaskFile, formatTaskFile, taskFileSummary } from './task-file-check';

const USAGE = 'star plan [--preset NAME | --input FILE] [--set key=value ...] [--json | --export]';

/** What `star plan` prints: the workflow's plan with the input's source, its options and the growth formula. */
export interface PlanReport {
  source: string;
  options: ExperimentOptions;
  growthRule: GrowthSettings['rule'];
  /** How total_steps is computed, in the reference's terms. */
  formula: string;
  /** The workflow's own dry-run plan: per iteration (1 .. nIters-1) its total_steps and URIs. */
  iterations: PlannedIteration[];
}

/** The same plan the workflow computes for `dryRun`, plus the resolved options and the growth formula. */
export function planReport(source: string, options: ExperimentOptions): PlanReport {
  const growth = growthSettings(options);
  return { source, options, growthRule: growth.rule, formula: formulaOf(growth), iterations: planExperiment(options).iterations };
}

function formulaOf(g: GrowthSettings): string {
  switch (g.rule) {
    case 'steady':
      return `total_steps = int(start_steps + add_steps * (i - 1)) = int(${g.startSteps} + ${g.addSteps} * (i - 1))`;
    case 'exponential':
      return `total_steps = int(start_steps * grow_steps ** (i - 1)) = int(${g.startSteps} * ${g.growSteps} ** (i - 1))`;
    case 'epoch':
      return (
        `total_steps = int(kept * epochs // (gradient_accumulation_steps * sequence_count)) = int(kept * epochs // ${g.gradientAccumulationSteps * g.sequenceCount}), ` +
        `epochs = ${g.baseEpochs} + ${g.addEpochs} * (i - 1); kept is known only after generation`
      );
  }
}

export function formatPlan(plan: PlanReport): string {
  const lines = [`Experiment ${plan.options.experiment} (${plan.source}), valid.`, '', 'Options:'];
  const width = Math.max(...Object.keys(plan.options).map((k) => k.length));
  for (const [key, value] of Object.entries(plan.options)) {
    lines.push(`  ${key.padEnd(width)}  ${JSON.stringify(value)}`);
  }
  lines.push('', `Growth rule: ${plan.growthRule}`, `  ${plan.formula}`, '');
  if (plan.iterations.length === 0) return lines.join('\n');
  const steps = plan.iterations.map((it) => String(it.totalSteps));
  const width2 = Math.max('total_steps'.length, ...steps.map((x) => x.length));
  lines.push(`iteration  ${'total_steps'.padStart(width2)}  config`);
  plan.iterations.forEach((it, i) => lines.push(`${String(it.iteration).padStart(9)}  ${steps[i].padStart(width2)}  ${it.config}`));
  if (plan.iterations.every((it) => typeof it.totalSteps === 'number')) {
    const sum = plan.iterations.reduce((total, it) => total + Number(it.totalSteps), 0);
    lines.push(`${'all'.padStart(9)}  ${String(sum).padStart(width2)}`);
  }
  return lines.join('\n');
}

export async function planCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { ...inputFlags, json: { type: 'boolean' }, export: { type: 'boolean' } }, USAGE);
  if (values.help) {
    console.log(
      `usage: ${USAGE}\n\nValidates an experiment input and prints its resolved options and, for the steady and exponential\n` +
        "growth rules, each iteration's total_steps. --json prints {source, options, growthRule, formula, iterations};\n" +
        '--export prints only the resolved input, ready for `temporal workflow start --input-file`. Values of\n' +
        'environment variables (${NAME}) are printed as ${NAME}, except by --export; command templates keep ${NAME},\n' +
        'which the worker or host running the command expands (docs/hosts.md).',
    );
    return 0;
  }
  noPositionals(positionals, USAGE);
  const input = resolveExperimentInput({ preset: values.preset, input: values.input, sets: values.set });
  // What `star start` would send: the storage root resolved here.
  const resolved = { ...input, options: withClientStorageRoot(input.options) };
  if (values.export) {
    console.log(JSON.stringify(resolved.options, null, 2));
    return 0;
  }
  // Values expanded from ${NAME} are shown as ${NAME}; --export above prints the real input, which is
  // what it is for (command templates keep their ${NAME} there too: hosts expand them).
  maskConsoleOutput(resolved.secrets);
  const taskFile = await checkTaskFile(resolved.options);
  const plan = planReport(resolved.source, resolved.options);
  const text = taskFile && !values.json ? `${formatPlan(plan)}\n\n${formatTaskFile(taskFile).join('\n')}` : formatPlan(plan);
  const json = () => JSON.stringify(taskFile ? { ...plan, taskFile: taskFileSummary(taskFile) } : plan, null, 2);
  console.log(values.json ? json() : text);
  return 0;
}
