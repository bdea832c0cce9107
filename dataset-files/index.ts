// What reads and writes the tasks' data on storage: splits, prompt files, JSONL and training records.
export * from './commonsenseqa';
export * from './gsm';
export * from './jsonl';
export * from './prompt-files';
export * from './records';
export * from './tasks';
