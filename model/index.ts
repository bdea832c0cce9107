export { initBackend } from './backend';
export { arithmeticTokenizer, byteTokenizer, tokenizerByName, TOKENIZER_NAMES } from './tokenizers';
export { parseModelConfig, readModelConfig, type ModelConfig, type ModelConfigInput } from './config';
export { createModel, EmbeddedModel, type LoadedModel } from './embedded-model';
export { loadModel, saveCheckpoint, readManifest, type CheckpointManifest, type SaveOptions } from './checkpoint';
export { sample, sampleUncached, type SampleOptions, type SampleRequest } from './sample';
export { train, newestCheckpoint, type TrainOptions, type TrainResult } from './train';
export { answerTokens, targetMask } from './loss-mask';
export { parameterCount } from './params';
