#!/usr/bin/env bash
# Makes SmolLM2-135M-Instruct a Hugging Face folder the trainer can fine-tune and llama.cpp can serve,
# and prints its path (default .tools/smollm2-hf; STAR_SMOLLM2_HF moves it): the 4-bit GGUF of
# scripts/setup-llama.sh dequantised into safetensors + tokenizer (538 MB), with model.gguf (q8_0,
# 145 MB) converted back from those weights by llama.cpp's converter, so the base model and each
# fine-tuned one are served the same way. The `commonsenseqa-smollm2-star` preset's base model.
#
# Needs both venvs: scripts/setup-llama.sh (server, GGUF, converter) and scripts/setup-llm.sh
# (torch, transformers, gguf). Idempotent: nothing is done when the folder is complete (~25 s otherwise).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${STAR_SMOLLM2_HF:-$root/.tools/smollm2-hf}
llama_venv=${STAR_LLAMA_VENV:-$root/.tools/llama-venv}
if [ -f "$out/config.json" ] && [ -f "$out/model.gguf" ]; then
  echo "$out"
  exit 0
fi
gguf=$("$root/scripts/smollm2-gguf.sh")
converter="$llama_venv/llama.cpp/convert_hf_to_gguf.py"
[ -f "$converter" ] || { printf 'llama.cpp converter %s is not there: run scripts/setup-llama.sh\n' "$converter" >&2; exit 1; }
python=$(bash "$root/scripts/setup-llm.sh")
mkdir -p "$(dirname "$out")"
exec 9>"$out.lock"
flock 9
HF_HUB_OFFLINE=1 "$python" -m star_trainer.gguf_models from-gguf --gguf "$gguf" --output "$out" --converter "$converter" >&2
echo "$out"
