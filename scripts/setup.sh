#!/usr/bin/env bash
# Installs everything the project needs on a fresh machine: node packages (whose postinstall makes the
# native TensorFlow backend work: scripts/install-tfjs-node.sh), the Temporal CLI (which carries the
# dev server), the other tools the tests use (each scripts/install-*.sh), and the Python dev
# requirements (requirements-dev.txt, if present) into .tools/python.
# Usage: scripts/setup.sh [--ci]   (--ci installs node packages with `npm ci`, exactly as locked)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

step() { printf '\n== %s\n' "$*" >&2; }

ci=false
[ "${1:-}" = "--ci" ] && ci=true
if $ci; then
  step "npm ci"
  STAR_SETUP_CI=1 npm ci
else
  step "npm install"
  npm install
fi

step "Temporal CLI"
temporal=$(bash scripts/install-temporal.sh)
"$temporal" --version >&2

for installer in scripts/install-*.sh; do
  [ "$installer" = scripts/install-temporal.sh ] && continue
  step "$installer"
  if [ "$installer" = scripts/install-tfjs-node.sh ]; then
    # npm's postinstall already ran it; this checks the result. CI must end with the native backend
    # (installing build tools if missing); elsewhere a failure leaves the WebAssembly backend in use.
    if $ci; then STAR_SETUP_CI=1 bash "$installer" >&2; else bash "$installer" --optional >&2; fi
  else
    bash "$installer" >&2
  fi
done

if [ -f requirements-dev.txt ] && grep -qvE '^[[:space:]]*(#|$)' requirements-dev.txt; then
  step "Python dev requirements -> .tools/python"
  PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check \
    --target .tools/python --upgrade -r requirements-dev.txt >&2
fi

step "setup done"
if [ -d .tools/python ]; then
  echo "Python dev requirements are in .tools/python; tests find them with: export PYTHONPATH=$root/.tools/python" >&2
fi
