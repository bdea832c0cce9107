#!/usr/bin/env bash
# Installs headless Chromium and a TrueType font (the report tests open the report in Chromium; the
# report's PNGs need a font for their text) and prints Chromium's path. Skips what is present:
# $CHROMIUM, or `chromium` / `chromium-browser` / `google-chrome` on PATH, and DejaVu Sans.
# Installs with apt (Debian's `chromium` and `fonts-dejavu-core`), through sudo when not root.
set -euo pipefail

find_chromium() {
  if [ -n "${CHROMIUM:-}" ]; then
    if [ -x "$CHROMIUM" ]; then echo "$CHROMIUM"; return 0; fi
    echo "CHROMIUM=$CHROMIUM is not an executable file; fix or unset it" >&2; exit 1
  fi
  for name in chromium chromium-browser google-chrome; do
    if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
  done
  return 1
}

have_font() {
  for f in /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf /usr/share/fonts/dejavu/DejaVuSans.ttf /usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf; do
    [ -f "$f" ] && return 0
  done
  return 1
}

packages=()
chromium=$(find_chromium || true)
[ -z "$chromium" ] && packages+=(chromium)
have_font || packages+=(fonts-dejavu-core)

if [ ${#packages[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "no apt-get here: install ${packages[*]} yourself (or set CHROMIUM=/path/to/chrome)" >&2
    exit 1
  fi
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else echo "installing ${packages[*]} needs root: run as root or install sudo" >&2; exit 1; fi
  fi
  echo "installing ${packages[*]} with apt-get" >&2
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >&2
  chromium=$(find_chromium)
fi
echo "$chromium"
