/**
 * The model's "the input is wrong" errors: retrying cannot fix them, so an activity fails at once
 * (they extend core's BadInputError). Messages name the URI and what to do.
 */
import { BadInputError } from '../core/errors';

/** A checkpoint folder that is missing, unreadable, or does not match what it claims to hold. */
export class CheckpointError extends BadInputError {
  override readonly name = 'CheckpointError';
}

/** A model config (a size file, or the config inside a checkpoint manifest) that cannot describe a model. */
export class ModelConfigError extends BadInputError {
  override readonly name = 'ModelConfigError';
}

/** Training chunks that do not suit the model (empty, ragged, ids outside its vocabulary, no whole example). */
export class TrainingDataError extends BadInputError {
  override readonly name = 'TrainingDataError';
}
