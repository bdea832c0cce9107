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
venv=${STAR_LLM_VENV:-$root/.tools/llm-venv}
python=${PYTHON:-python3}
lock="$root/python/requirements.lock"
stamp="$venv/.star-stamp"

say() { printf '%s\n' "$*" >&2; }

lock_hash=$(sha256sum <"$lock" | cut -d' ' -f1)
package_hash=$(
  { cat "$root/python/pyproject.toml"; find "$root/python/star_trainer" -name '*.py' -print0 | sort -z | xargs -0 cat; } | sha256sum | cut -d' ' -f1
)
wanted="lock=$lock_hash package=$package_hash"

mkdir -p "$(dirname "$venv")"
# Two setups at once (two checkouts sharing .tools) would install over each other.
exec 9>"$venv.lock"
flock 9

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
  echo "$venv/bin/python"
  exit 0
fi

if [ ! -x "$venv/bin/python" ]; then
  "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' || {
    say "$python is $("$python" --version 2>&1); the trainer needs Python 3.10 or newer: set PYTHON=/path/to/python3.11"
    exit 1
  }
  say "creating the venv $venv"
  "$python" -m venv "$venv"
fi

vpy="$venv/bin/python"
pip_quiet=(--quiet --disable-pip-version-check)
if [ ! -x "$venv/bin/uv" ]; then
  PIP_ROOT_USER_ACTION=ignore "$vpy" -m pip install "${pip_quiet[@]}" uv==0.13.9 >&2 || say "uv is not installable here; using pip (slower)"
fi

install() { # args: what pip/uv install takes
  if [ -x "$venv/bin/uv" ]; then
    "$venv/bin/uv" pip install --quiet --python "$vpy" "$@" >&2
  else
    PIP_ROOT_USER_ACTION=ignore "$vpy" -m pip install "${pip_quiet[@]}" "$@" >&2
  fi
}
reinstall_package() { # the package from python/, replacing an older copy
  if [ -x "$venv/bin/uv" ]; then
    "$venv/bin/uv" pip install --quiet --python "$vpy" --no-deps --reinstall-package star-trainer "$root/python" >&2
  else
    PIP_ROOT_USER_ACTION=ignore "$vpy" -m pip install "${pip_quiet[@]}" --no-deps --force-reinstall "$root/python" >&2
  fi
}

old_lock=$(sed -n 's/^lock=\([^ ]*\).*/\1/p' "$stamp" 2>/dev/null || true)
if [ "$old_lock" != "$lock_hash" ]; then
  say "installing python/requirements.lock into $venv (about 5 GB; a minute with uv)"
  install -r "$lock"
fi
say "installing the star_trainer package from python/"
# A copy, not an editable install: the venv may be shared by several checkouts of the project.
reinstall_package

# The package must import with the installed stack (torch fails here if a CUDA library is missing).
"$vpy" -c 'import torch, transformers, star_trainer.train' >&2
echo "$wanted" >"$stamp"
echo "$vpy"
