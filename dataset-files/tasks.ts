import type { Task, TaskName } from '../core/example';
import { BadInputError } from '../core/errors';
import { arithmeticTask } from '../core/tasks/arithmetic';
import { commonsenseQaTask } from './commonsenseqa';
import { gsmTask } from './gsm';

export class UnknownTaskError extends BadInputError {
  override readonly name = 'UnknownTaskError';
  constructor(readonly task: string) {
    super(`unknown task "${task}": use commonsenseqa, gsm or arithmetic`);
  }
}

const TASKS: Record<TaskName, Task> = { commonsenseqa: commonsenseQaTask, gsm: gsmTask, arithmetic: arithmeticTask };

export function getTask(name: TaskName | string): Task {
  const task = (TASKS as Record<string, Task | undefined>)[name];
  if (!task) throw new UnknownTaskError(name);
  return task;
}
