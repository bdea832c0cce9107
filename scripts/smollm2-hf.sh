#!/usr/bin/env bash
# Makes SmolLM2-135M-Instruct a Hugging Face folder the trainer can fine-tune and vLLM or llama.cpp can
# serve, and prints its path (default .tools/smollm2-hf; STAR_SMOLLM2_HF moves it): the 4-bit GGUF of
# scripts/setup-llama.sh or scripts/setup-vllm.sh dequantised into safetensors + tokenizer (538 MB).
# With llama.cpp set up, also model.gguf (q8_0, 145 MB) converted back from those weights by
# llama.cpp's converter, so the base model and each fine-tuned one are served the same way there; vLLM
# serves the safetensors. The base model of the `commonsenseqa-smollm2-star` and -vllm presets.
#
# Needs scripts/setup-llm.sh (torch, transformers, gguf) and one of scripts/setup-llama.sh (server,
# GGUF, converter) or scripts/setup-vllm.sh (GGUF). Idempotent: nothing is done when the folder is
# complete (~25 s otherwise; a later setup-llama.sh run adds model.gguf on the next call).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${STAR_SMOLLM2_HF:-$root/.tools/smollm2-hf}
llama_venv=${STAR_LLAMA_VENV:-$root/.tools/llama-venv}
vllm_venv=${STAR_VLLM_VENV:-$root/.tools/vllm-venv}
converter="$llama_venv/llama.cpp/convert_hf_to_gguf.py"
if [ -f "$out/config.json" ] && { [ -f "$out/model.gguf" ] || [ ! -f "$converter" ]; }; then
  echo "$out"
  exit 0
fi
if [ -f "$converter" ]; then
  gguf=$("$root/scripts/smollm2-gguf.sh")
  converter_args=(--converter "$converter")
elif [ -e "$vllm_venv/models/SmolLM2-135M-Instruct.Q4_1.gguf" ]; then
  gguf="$vllm_venv/models/SmolLM2-135M-Instruct.Q4_1.gguf"
  converter_args=()
else
  printf 'no SmolLM2 GGUF to start from: run scripts/setup-vllm.sh (for vLLM) or scripts/setup-llama.sh (for llama.cpp) first\n' >&2
  exit 1
fi
python=$(bash "$root/scripts/setup-llm.sh")
mkdir -p "$(dirname "$out")"
exec 9>"$out.lock"
flock 9
HF_HUB_OFFLINE=1 "$python" -m star_trainer.gguf_models from-gguf --gguf "$gguf" --output "$out" "${converter_args[@]}" >&2
echo "$out"
