/** Task queue names, the same for the workers that poll them and the clients and workflows that use them. */

/** The experiment workflow and its activities (`STAR_TASK_QUEUE` or `--task-queue` choose another). */
export const DEFAULT_TASK_QUEUE = 'star';

/** Each training host of the `command` trainer polls its own queue, so the workflow can address it. */
export const hostTaskQueue = (host: string) => `star-host-${host}`;

/** Host names become task queue names (`star-host-{host}`): the experiment's hosts and each host worker's --host. */
export const HOST_NAME = /^[A-Za-z0-9_.-]+$/;
export const HOST_NAME_RULE = 'letters, digits, ".", "_" and "-" only (it names a task queue)';
