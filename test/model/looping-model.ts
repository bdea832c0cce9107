/**
 * A tiny model trained so that one prompt loops on a line and the other ends: what the completion
 * stop rule's tests sample from (in process, and through `star serve`).
 */
import { join } from 'node:path';
import { arithmeticTokenizer, createModel, saveCheckpoint, train } from '../../model';
import { TINY, packedChunks, tempDir } from './fixtures';

/** Followed by a line repeated past any genLength. */
export const LOOPING = 'Input:\n9\nTarget:\n';
/** Followed by one line and end-of-text. */
export const ENDING = 'Input:\n1\nTarget:\n';

/** Trains the model (the backend must be initialised) and returns its checkpoint. */
export async function trainLoopingModel(): Promise<string> {
  const dir = tempDir();
  await saveCheckpoint(createModel(TINY, { seed: 5 }), join(dir, 'base'), { step: 0 });
  const texts = Array.from({ length: 24 }, (_, i) => (i % 2 === 0 ? `${LOOPING}${'7 7\n'.repeat(30)}` : `${ENDING}1 2 3<|endoftext|>`));
  const result = await train({
    baseCheckpointUri: join(dir, 'base'),
    chunks: packedChunks(arithmeticTokenizer(), texts, TINY.seq + 1),
    totalSteps: 100,
    outputDirUri: join(dir, 'run'),
    checkpointEvery: 100,
    lr: 1e-2,
    warmupSteps: 0,
    batchSize: 8,
    gradientAccumulationSteps: 1,
    seed: 1,
  });
  return result.checkpointUri;
}
