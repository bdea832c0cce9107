export * from './arithmetic';
export * from './commonsenseqa';
export * from './gsm';
