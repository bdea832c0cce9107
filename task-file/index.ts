// Bring your own task: a STaR task as a JSON file (docs/own-task.md).
export * from './answer-rule';
export * from './errors';
export * from './file-task';
export * from './load';
export * from './rows';
export * from './schema';
export * from './template';
export * from './summary';
