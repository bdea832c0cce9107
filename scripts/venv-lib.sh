# The steps every setup-*.sh takes with its venv, sourced by them (not run on its own):
#   venv_path DIR                  the venv's real path (echo)
#   venv_lock VENV                 waits for any other setup of the same venv (flock on VENV.lock, fd 9)
#   venv_create VENV PYTHON MINOR WHAT   makes the venv with PYTHON (3.MINOR or newer, for WHAT) unless
#                                  it exists, and puts uv in it (pip stays the installer where uv is not installable)
#   venv_install VENV ARGS...      uv pip install (pip when uv is not installable) into the venv
# Callers set `set -euo pipefail` and define `say` (a line on stderr).

# Resolved before the venv is made: its scripts' shebangs (bin/torchrun, bin/accelerate…) name the
# python by this path, and a path through a checkout's .tools symlink breaks when that checkout is
# removed while another one still uses the shared venv.
venv_path() {
  realpath -m "$1"
}

venv_lock() {
  mkdir -p "$(dirname "$1")"
  # Two setups at once (two checkouts sharing .tools) would install over each other.
  exec 9>"$1.lock"
  flock 9
}

venv_create() { # args: venv python minor-version what-needs-it
  local venv=$1 python=$2 minor=$3 what=$4
  if [ ! -x "$venv/bin/python" ]; then
    "$python" -c "import sys; sys.exit(0 if sys.version_info >= (3, $minor) else 1)" || {
      say "$python is $("$python" --version 2>&1); $what needs Python 3.$minor or newer: set PYTHON=/path/to/python3.11"
      exit 1
    }
    say "creating the venv $venv"
    "$python" -m venv "$venv"
  fi
  if [ ! -x "$venv/bin/uv" ]; then
    PIP_ROOT_USER_ACTION=ignore "$venv/bin/python" -m pip install --quiet --disable-pip-version-check uv==0.13.9 >&2 ||
      say "uv is not installable here; using pip (slower)"
  fi
}

venv_install() { # args: venv, then what pip/uv install takes
  local venv=$1
  shift
  if [ -x "$venv/bin/uv" ]; then
    "$venv/bin/uv" pip install --quiet --python "$venv/bin/python" "$@" >&2
  else
    PIP_ROOT_USER_ACTION=ignore "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$@" >&2
  fi
}
