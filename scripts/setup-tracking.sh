#!/usr/bin/env bash
# Installs the experiment trackers' Python SDKs (MLflow, including its tracking server, and W&B) into
# a venv, pinned by python/tracking/tracking.lock, and prints the venv's python on stdout. The
# `tracking` option runs python/star_tracking/sync.py with it (STAR_TRACKING_PYTHON overrides).
#
# Not named install-*.sh: `npm test` does not need it (about 750 MB); `npm run test:tracking` runs it.
# Idempotent (a stamp holds the lock's hash); two setups at once wait for each other (flock).
# Environment: PYTHON (default python3), STAR_TRACKING_VENV (default .tools/tracking-venv).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=venv-lib.sh
. "$root/scripts/venv-lib.sh"
venv=$(venv_path "${STAR_TRACKING_VENV:-$root/.tools/tracking-venv}")
python=${PYTHON:-python3}
lock="$root/python/tracking/tracking.lock"
stamp="$venv/.star-stamp"
say() { printf '[setup-tracking] %s\n' "$*" >&2; }

wanted="lock=$(sha256sum <"$lock" | cut -d' ' -f1)"
venv_lock "$venv"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
  echo "$venv/bin/python"
  exit 0
fi
venv_create "$venv" "$python" 9 "the trackers' SDKs"
vpy="$venv/bin/python"
say "installing python/tracking/tracking.lock (mlflow, wandb: about 750 MB)"
venv_install "$venv" -r "$lock"
"$vpy" -c 'import mlflow, wandb' >&2
echo "$wanted" >"$stamp"
say "done"
echo "$vpy"
