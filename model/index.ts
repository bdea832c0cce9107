// The public entry of the embedded model: code outside model/ imports from here only (lint enforces
// it for model/backends/).
export { createModelBackend, initBackend, modelBackend, workerCount } from './backend';
export type { ModelBackend } from './model-backend';
export { arithmeticTokenizer, byteTokenizer, tokenizerByName } from './tokenizers';
export { parseModelConfig, readModelConfig, type ModelConfig } from './config';
export { createModel, EmbeddedModel, type LoadedModel } from './embedded-model';
export { CheckpointCorruptError, loadModel, saveCheckpoint, readManifest, type CheckpointManifest } from './checkpoint';
export { sample, sampleUncached, sampleWithCount, type SampleOptions, type SampleRequest } from './sample';
export { train, newestCheckpoint, optimizerStep, type TrainOptions } from './train';
export { freshAdam } from './adam';
export { gradientSum } from './gradients';
export { answerTokens, targetMask } from './loss-mask';
export { exampleRows, packRows } from './example-rows';
export { parameterCount } from './params';
export { shutdownComputePool } from './backends/wasm/compute-pool';
export { CheckpointError } from './errors';
