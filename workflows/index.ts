// The workflows a worker registers (its `workflowsPath`/bundle entry).
export { starExperiment } from './star-experiment';
