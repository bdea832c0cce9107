/**
 * Failure types the workflow reads from an activity's failure (the error's class name), kept here so
 * workflow code does not import the activities that raise them.
 */

/** A checkpoint an iteration trained is lost after its train step finished (activities/lost-checkpoint.ts): a redo cures it, not a resume. */
export const LOST_CHECKPOINT_FAILURE = 'LostCheckpointError';
