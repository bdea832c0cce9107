#!/usr/bin/env bash
# Installs the Python side of the real-model path into a venv: torch, transformers (with its
# `transformers serve` extra), peft, and this project's python/ package (star_trainer), all pinned by
# python/requirements.lock. Prints the venv's python on stdout.
#
# Not named install-*.sh on purpose: scripts/setup.sh runs every install-*.sh, and this venv is about
# 5 GB (the CUDA build of torch is the only one on PyPI; it also runs on CPU), which `npm test` does
# not need. `npm run test:llm` runs this first.
#
# Idempotent: a stamp holds the hash of the lock and of python/; nothing is done when it matches, only
# the package is reinstalled when just python/ changed. Uses uv (installed with pip into the venv) when
# pip can get it, else pip. Environment: PYTHON (default python3) and STAR_LLM_VENV (default
# .tools/llm-venv; the -hf presets' commandTemplate names .tools/llm-venv/bin/python, so set it too).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=venv-lib.sh
. "$root/scripts/venv-lib.sh"
venv=$(venv_path "${STAR_LLM_VENV:-$root/.tools/llm-venv}")
python=${PYTHON:-python3}
lock="$root/python/requirements.lock"
stamp="$venv/.star-stamp"

say() { printf '%s\n' "$*" >&2; }

lock_hash=$(sha256sum <"$lock" | cut -d' ' -f1)
package_hash=$(
  { cat "$root/python/pyproject.toml"; find "$root/python/star_trainer" -name '*.py' -print0 | sort -z | xargs -0 cat; } | sha256sum | cut -d' ' -f1
)
wanted="lock=$lock_hash package=$package_hash"

venv_lock "$venv"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
  echo "$venv/bin/python"
  exit 0
fi

venv_create "$venv" "$python" 10 "the trainer"
vpy="$venv/bin/python"
reinstall_package() { # the package from python/, replacing an older copy
  if [ -x "$venv/bin/uv" ]; then
    venv_install "$venv" --no-deps --reinstall-package star-trainer "$root/python"
  else
    venv_install "$venv" --no-deps --force-reinstall "$root/python"
  fi
}

old_lock=$(sed -n 's/^lock=\([^ ]*\).*/\1/p' "$stamp" 2>/dev/null || true)
if [ "$old_lock" != "$lock_hash" ]; then
  say "installing python/requirements.lock into $venv (about 5 GB; a minute with uv)"
  venv_install "$venv" -r "$lock"
fi
say "installing the star_trainer package from python/"
# A copy, not an editable install: the venv may be shared by several checkouts of the project.
reinstall_package

# The package must import with the installed stack (torch fails here if a CUDA library is missing).
"$vpy" -c 'import torch, transformers, star_trainer.train' >&2
echo "$wanted" >"$stamp"
echo "$vpy"
