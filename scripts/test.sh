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

docker_dir="${KPE_DOCKER_DIR:-${TMPDIR:-/tmp}/kpe-docker}"
started_docker=""
cleanup() {
  if [ -n "$started_docker" ]; then
    testing/docker/stop.sh || true
  fi
}
trap cleanup EXIT

if [ -f "$docker_dir/dockerd.pid" ] && kill -0 "$(cat "$docker_dir/dockerd.pid")" 2>/dev/null; then
  log "using the Docker daemon already running from $docker_dir"
else
  started_docker=yes
fi
testing/docker/start.sh
# shellcheck disable=SC1091
. "$docker_dir/env"
export KPE_TEST_DOCKER_HOST KPE_DOCKER_TCP

log "tier 1: unit, mock-server and Docker tests"
mvn -B -ntp verify

if [ -x testing/cluster/it.sh ] && [ "${KPE_SKIP_CLUSTER_TIER:-}" != 1 ]; then
  log "tier 2: integration tests against a local control plane"
  testing/cluster/it.sh
elif [ "${KPE_SKIP_CLUSTER_TIER:-}" = 1 ]; then
  log "WARNING: the control-plane integration tier was skipped on request (KPE_SKIP_CLUSTER_TIER=1)"
fi
log "all tests passed"
