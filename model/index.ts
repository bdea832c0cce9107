// The public entry of the embedded model: code outside model/ imports from here only (lint enforces
// it for model/backends/).
export { createModelBackend, initBackend, modelBackend, workerCount } from './backend';
export type { ModelBackend, ModelBackendName, ModelBackendOptions } from './model-backend';
export { arithmeticTokenizer, byteTokenizer, tokenizerByName, TOKENIZER_NAMES } from './tokenizers';
export { parseModelConfig, readModelConfig, type ModelConfig, type ModelConfigInput } from './config';
export { createModel, EmbeddedModel, type LoadedModel } from './embedded-model';
export { CheckpointCorruptError, loadModel, saveCheckpoint, readManifest, type CheckpointManifest, type SaveOptions } from './checkpoint';
export { sample, sampleUncached, sampleWithCount, type SampleOptions, type SampleRequest, type SampleResult } from './sample';
export { train, newestCheckpoint, optimizerStep, type TrainOptions, type TrainResult } from './train';
export { freshAdam } from './adam';
export { gradientSum } from './gradients';
export { answerTokens, targetMask } from './loss-mask';
export { parameterCount } from './params';
export { shutdownComputePool } from './backends/wasm/compute-pool';
export { CheckpointError, ModelConfigError, TrainingDataError } from './errors';
