/**
 * The sampling fields a request states beyond temperature and top_p, by server kind. Servers
 * default the rest differently (llama-cpp-python applies repeat_penalty 1.1, top_k 40 and min_p 0.05
 * unless told; vLLM applies the model's generation_config.json), so a request that leaves them out samples differently on
 * each server. Each kind gets its neutral values in its own field names; a kind is needed because
 * servers disagree on names and some refuse fields they do not know (`transformers serve` answers
 * HTTP 422, `star serve` 400), so no one body fits all (docs/inference-servers.md).
 */
import type { InferenceExtraBody, InferenceServer } from '../contracts/inference-server';

/**
 * The neutral value of every penalty and cut-off the kind takes: repetition penalty 1.0 (none),
 * top_k off, min_p 0, presence and frequency penalties 0. `generic` and `star` get nothing beyond
 * temperature and top_p: no field is safe to send a server that refuses unknown ones.
 */
const NEUTRAL_FIELDS: Record<InferenceServer, Record<string, number | string>> = {
  generic: {},
  star: {},
  // `transformers serve` refuses fields outside its request type, and samples only when the model's
  // generation_config.json says do_sample: a temperature above 0 alone decodes greedily, and sampling
  // there means GenerationConfig's top_k 50. Its `generation_config` field (a JSON string) replaces the
  // model's: the fields it leaves out (eos and pad tokens) still come from the model's, and temperature
  // 0 still turns sampling off.
  transformers: { generation_config: JSON.stringify({ do_sample: true, top_k: 0, min_p: 0, repetition_penalty: 1.0 }) },
  // vLLM: top_k -1 is "all tokens" (0 is refused by older releases).
  vllm: { presence_penalty: 0, frequency_penalty: 0, repetition_penalty: 1, top_k: -1, min_p: 0 },
  // llama.cpp's server and llama-cpp-python: top_k 0 is "all tokens".
  'llama.cpp': { presence_penalty: 0, frequency_penalty: 0, repeat_penalty: 1, top_k: 0, min_p: 0 },
};

/** What each request carries beyond the fields every request has: the kind's neutral values, then inferenceExtraBody over them. */
export function serverSamplingFields(server: InferenceServer, extraBody: InferenceExtraBody = {}): Record<string, unknown> {
  return { ...NEUTRAL_FIELDS[server], ...extraBody };
}
