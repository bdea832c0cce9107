# Sourced by the setup scripts: with_progress LABEL COMMAND... runs the command and, while it runs,
# prints "LABEL: still working, N min so far" on stderr every STAR_SETUP_PROGRESS_SECONDS (default
# 60), so a compile that takes tens of minutes is seen to be alive. Returns the command's status.
with_progress() {
  local label=$1
  shift
  local every=${STAR_SETUP_PROGRESS_SECONDS:-60}
  local start=$SECONDS
  (
    # The sleep is waited on, not run in the foreground, so the TERM below ends it at once and no
    # sleep is left holding the caller's stderr open.
    trap 'kill "$nap" 2>/dev/null; exit 0' TERM
    while :; do
      sleep "$every" &
      nap=$!
      wait "$nap"
      printf '%s: still working, %d min so far\n' "$label" $(((SECONDS - start) / 60)) >&2
    done
  ) </dev/null >/dev/null &
  local ticker=$!
  local status=0
  "$@" || status=$?
  kill -TERM "$ticker" 2>/dev/null || true
  wait "$ticker" 2>/dev/null || true
  return "$status"
}
