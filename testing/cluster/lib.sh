# Shared by start.sh, stop.sh and smoke.sh (sourced, not executed).
# shellcheck shell=bash

cluster_dir="${KPE_CLUSTER_DIR:-${TMPDIR:-/tmp}/kpe-cluster}"
# Started in this order, stopped in the reverse one.
components=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)
# Present in every state directory these scripts create; nothing else is ever deleted.
marker_name=.kpe-cluster

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# True when pid is alive and its command line names our state directory, so a pid
# file left behind after a reboot can never make us signal an unrelated process.
is_ours() {
  local pid="$1"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' '\n' <"/proc/$pid/cmdline" | grep -qF -- "$cluster_dir/"
}

pid_of() { cat "$cluster_dir/pids/$1.pid" 2>/dev/null || true; }

# wait_until DESCRIPTION TIMEOUT_SECONDS COMMAND...: polls COMMAND every half second.
wait_until() {
  local what="$1" timeout="$2"; shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      log "timed out after ${timeout}s waiting for $what"
      return 1
    fi
    sleep 0.5
  done
}
