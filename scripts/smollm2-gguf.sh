#!/usr/bin/env bash
# Prints the path of SmolLM2-135M-Instruct.Q4_1.gguf in the llama venv that scripts/setup-llama.sh
# makes (STAR_LLAMA_VENV, default .tools/llama-venv), e.g. for `--set baseModelLocation=$(scripts/smollm2-gguf.sh)`
# or to start `python -m llama_cpp.server --model` by hand.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${STAR_LLAMA_VENV:-$root/.tools/llama-venv}
gguf="$venv/models/SmolLM2-135M-Instruct.Q4_1.gguf"
if [ ! -f "$gguf" ]; then
  printf 'the SmolLM2 model %s is not there: run scripts/setup-llama.sh first\n' "$gguf" >&2
  exit 1
fi
echo "$gguf"
