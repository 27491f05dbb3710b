#!/usr/bin/env bash
# Stops the processes start.sh started (found through the pid files in the state
# directory, and only if they still belong to it), then removes the state directory.
#
# Usage: stop.sh [--keep]     --keep (or KPE_CLUSTER_KEEP=1) leaves the state
#                             directory (logs, certificates, etcd data) in place.
# Environment: KPE_CLUSTER_DIR, as for start.sh.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"

keep="${KPE_CLUSTER_KEEP:-0}"
for arg in "$@"; do
  case "$arg" in
    --keep) keep=1 ;;
    -h | --help) sed -n '2,8p' "$0"; exit 0 ;;
    *) die "unknown argument '$arg' (expected --keep)" ;;
  esac
done

if [[ ! -f "$cluster_dir/$marker_name" ]]; then
  log "no cluster state in $cluster_dir; nothing to stop"
  exit 0
fi

stop_one() {
  local name="$1" pid
  pid="$(pid_of "$name")"
  [[ -n "$pid" ]] || return 0
  if ! is_ours "$pid"; then
    log "$name (pid $pid) is not running"
    rm -f "$cluster_dir/pids/$name.pid"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 20))
  while is_ours "$pid" && ((SECONDS < deadline)); do sleep 0.2; done
  if is_ours "$pid"; then
    log "$name (pid $pid) ignored SIGTERM for 20s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    deadline=$((SECONDS + 5))
    while is_ours "$pid" && ((SECONDS < deadline)); do sleep 0.2; done
  fi
  log "stopped $name (pid $pid)"
  rm -f "$cluster_dir/pids/$name.pid"
}

for ((i = ${#components[@]} - 1; i >= 0; i--)); do
  stop_one "${components[i]}"
done

if [[ "$keep" == 1 ]]; then
  log "kept $cluster_dir"
else
  rm -rf -- "$cluster_dir"
  log "removed $cluster_dir"
fi
