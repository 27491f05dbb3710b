#!/usr/bin/env bash
# Runs every test of the project, on a fresh machine as on a developer's: installs and starts what the tests need
# (a private Docker daemon; the local Kubernetes control plane for the integration tier), runs the tests, and stops
# exactly what it started.
#
#   scripts/test.sh              # unit, mock-server and Docker tests, then the control-plane integration tier
#   KPE_SKIP_CLUSTER_TIER=1 scripts/test.sh   # the first tier only (says so loudly at the end)
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "scripts/test.sh: $*" >&2; }
# ours PIDFILE TEXT: the process of the pid file runs and its command line contains TEXT (a stale pid file may name a
# reused PID of some other process).
ours() {
  [ -f "$1" ] || return 1
  local pid; pid="$(cat "$1")"
  kill -0 "$pid" 2>/dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$2"
}

docker_dir="${KPE_DOCKER_DIR:-${TMPDIR:-/tmp}/kpe-docker}"
# shellcheck source=../testing/docker/sync-it-settings.sh
. testing/docker/sync-it-settings.sh
started_docker=""
cleanup() {
  if [ -n "$started_docker" ]; then
    testing/docker/stop.sh || true
  fi
}
trap cleanup EXIT

if ours "$docker_dir/dockerd.pid" "--data-root $docker_dir/data"; then
  log "using the Docker daemon already running from $docker_dir"
else
  started_docker=yes
fi
testing/docker/start.sh
# shellcheck disable=SC1091
. "$docker_dir/env"
export KPE_TEST_DOCKER_HOST KPE_DOCKER_TCP

log "tier 1: unit, mock-server and Docker tests"
mvn -B -ntp -Pstand-ins verify

if [ -x testing/cluster/it.sh ] && [ "${KPE_SKIP_CLUSTER_TIER:-}" != 1 ]; then
  log "tier 2: integration tests against a local control plane"
  testing/cluster/it.sh
elif [ "${KPE_SKIP_CLUSTER_TIER:-}" = 1 ]; then
  log "WARNING: the control-plane integration tier was skipped on request (KPE_SKIP_CLUSTER_TIER=1)"
fi
log "all tests passed"
