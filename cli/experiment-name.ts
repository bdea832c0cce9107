import { EXPERIMENT_NAME, EXPERIMENT_NAME_MAX } from '../contracts/experiment-input';
import { UsageError } from './errors';

/**
 * An experiment name typed on the command line, checked as the `experiment` option is before it is
 * used: it becomes a workflow ID and a folder under the storage root, so `../victim` or `a/b` would
 * reach outside it. (A leading "-" is allowed here, so an experiment named before such names were
 * refused can still be reached as `star status -- -x`.)
 */
export function checkExperimentName(name: string): string {
  if (!EXPERIMENT_NAME.test(name) || name.length > EXPERIMENT_NAME_MAX) {
    throw new UsageError(
      `experiment name "${name}": letters, digits, "_" and "-" only, at most ${EXPERIMENT_NAME_MAX} characters, as the experiment option takes`,
    );
  }
  return name;
}
