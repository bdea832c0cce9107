/**
 * A loaded task file as a `Task`, the interface the built-in tasks implement: the generation and eval
 * passes, the simulated sampler's bookkeeping and the records do not know which kind they run.
 */
import type { Choice, Example, Task } from '../core/example';
import { checkWithRule } from './answer-rule';
import { TaskFileError } from './errors';
import type { TaskSpec } from './schema';
import { renderTemplate } from './template';

export interface TaskFileContent {
  /** The task file's URI, for messages. */
  uri: string;
  spec: TaskSpec;
  /** Few-shot prompt examples (empty without a prompt file). */
  fewShot: string[];
  /** The rationalization prompt's examples. */
  rationalization: string[];
  train: Example[];
  dev: Example[];
}

function labelOf(spec: TaskSpec, choice: Choice): string {
  const { choiceLabels } = spec.prompts;
  return choiceLabels === 'lower' ? choice.label.toLowerCase() : choiceLabels === 'upper' ? choice.label.toUpperCase() : choice.label;
}

/** The `{choices}` text: one line per choice; with `mark`, after the correct one. */
function choiceLines(spec: TaskSpec, example: Example, mark?: string): string {
  return (example.choices ?? [])
    .map((choice) => {
      const line = renderTemplate(spec.prompts.choice, { label: labelOf(spec, choice), text: choice.text });
      return mark !== undefined && choice.label.toLowerCase() === example.answer.toLowerCase() ? line + mark : line;
    })
    .join('\n');
}

/** One question as the model sees it, plain or hinted. */
export function fileTaskContext(spec: TaskSpec, example: Example, hint: boolean): string {
  const values = { question: example.question, solution: example.solution ?? '', choices: choiceLines(spec, example) };
  const rule = spec.prompts.hint;
  if (!hint) return renderTemplate(spec.prompts.question, values);
  if ('markChoice' in rule)
    return renderTemplate(spec.prompts.question, { ...values, choices: choiceLines(spec, example, rule.markChoice) });
  return renderTemplate(rule.template, { ...values, hint: example.hint, answer: example.answer });
}

export function fileTask(content: TaskFileContent): Task {
  const { spec } = content;
  return {
    name: 'file',
    stopStrings: spec.stop,
    loadSplit: async (_datasetDir, split) => (split === 'train' ? content.train : content.dev),
    context: (example, { hint }) => fileTaskContext(spec, example, hint),
    loadFewShot: async (_datasetDir, { answerKey, direct }) => {
      if (direct) {
        throw new TaskFileError(
          content.uri,
          undefined,
          undefined,
          'direct mode (answers without rationales) is not supported for task files: turn direct off, and give a fewShot prompt whose examples answer directly instead',
        );
      }
      return answerKey ? content.rationalization : content.fewShot;
    },
    check: (example, output) => checkWithRule(spec.answer, spec.stop, example, output),
  };
}
