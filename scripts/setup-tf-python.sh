#!/usr/bin/env bash
# Installs Python TensorFlow (CPU) into .tools/tf-venv for `npm run bench:tf-ceiling`, which measures
# how fast TensorFlow itself trains the embedded model's shape here (eager, graph, XLA) beside
# tfjs-node and PyTorch. Research only: nothing else uses this venv (about 600 MB), so it is not an
# install-*.sh that scripts/setup.sh runs. Prints the venv's python on stdout.
#
# Idempotent (a stamp names the pinned version). Environment: PYTHON (default python3; TensorFlow
# 2.18 has wheels for Python 3.9-3.12) and STAR_TF_VENV (default .tools/tf-venv).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${STAR_TF_VENV:-$root/.tools/tf-venv}
python=${PYTHON:-python3}
# 2.18.0: the newest TensorFlow with a CPU-only wheel for this machine's Python 3.11 that the
# tfjs-node notes measured (its libtensorflow also loads under tfjs-node).
wanted="tensorflow-cpu==2.18.0"

mkdir -p "$(dirname "$venv")"
exec 9>"$venv.lock"
flock 9
if [ -f "$venv/.star-stamp" ] && [ "$(cat "$venv/.star-stamp")" = "$wanted" ]; then
  echo "$venv/bin/python"
  exit 0
fi
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
printf 'installing %s into %s (about 600 MB)\n' "$wanted" "$venv" >&2
PIP_ROOT_USER_ACTION=ignore "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$wanted" >&2 || {
  printf 'pip could not install %s for %s; set PYTHON to a Python 3.9-3.12\n' "$wanted" "$("$venv/bin/python" --version 2>&1)" >&2
  exit 1
}
TF_CPP_MIN_LOG_LEVEL=2 "$venv/bin/python" -c 'import tensorflow' >&2
echo "$wanted" >"$venv/.star-stamp"
echo "$venv/bin/python"
