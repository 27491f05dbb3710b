#!/usr/bin/env bash
# The integration tier: the engine against a real local control plane (testing/cluster) whose kwok node forwards
# every pod's port 2375 to the test Docker daemon (testing/docker).
#
#   testing/cluster/it.sh                                   # all integration tests
#   KPE_IT_MAVEN_ARGS='-Dit.test=DownIT' testing/cluster/it.sh   # some of them
#
# Starts the Docker daemon and the control plane when they are not running (building the control plane first,
# cached under ~/.cache/kube-pod-env), runs `mvn -Pcluster-it verify` on the integration-tests module with their
# settings in the environment, and stops exactly what it started. A cluster or daemon that was already running is
# used as it is and left running.
#
# Environment: KPE_CLUSTER_DIR, KPE_DOCKER_DIR, KPE_CLUSTER_PORT_BASE (as for start.sh), KPE_IT_MAVEN_ARGS,
# KPE_IT_TIMEOUT (seconds for the Maven run, default 1800), KPE_SYNC_IT_WORK_DIR and KPE_DOCKER_PRIVATE_DIRS
# (testing/docker/sync-it-settings.sh: the Docker daemon it starts has a mount namespace of its own, and the control
# plane runs exec commands in it; see README.md, "Exec").
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$repo"

say() { echo "testing/cluster/it.sh: $*" >&2; }

docker_dir="${KPE_DOCKER_DIR:-${TMPDIR:-/tmp}/kpe-docker}"
cluster_dir="${KPE_CLUSTER_DIR:-${TMPDIR:-/tmp}/kpe-cluster}"
export KPE_DOCKER_DIR="$docker_dir" KPE_CLUSTER_DIR="$cluster_dir"

# alive PIDFILE TEXT: the process of the pid file runs and its command line contains TEXT (a stale pid file may name a
# reused PID of some other process).
alive() {
  [[ -f "$1" ]] || return 1
  local pid; pid="$(cat "$1")"
  kill -0 "$pid" 2>/dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$2"
}

started_docker=""
started_cluster=""
cleanup() {
  local rc=$?
  if [[ -n "$started_cluster" ]]; then
    say "stopping the control plane it started"
    "$here/stop.sh" || rc=1
  fi
  if [[ -n "$started_docker" ]]; then
    say "stopping the Docker daemon it started"
    "$repo/testing/docker/stop.sh" || rc=1
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=../docker/sync-it-settings.sh
. "$repo/testing/docker/sync-it-settings.sh"
if ! command -v docker-compose >/dev/null; then
  say "installing docker-compose (SyncIT runs a compose file)"
  as_root() { if [[ "$(id -u)" == 0 ]]; then "$@"; else sudo -n "$@"; fi; }
  as_root apt-get update -q >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends docker-compose >&2
fi

# --- Docker daemon: the target of every pod's port 2375 ----------------------------------------------------------
if alive "$docker_dir/dockerd.pid" "--data-root $docker_dir/data"; then
  say "using the Docker daemon already running from $docker_dir"
else
  started_docker=yes
fi
"$repo/testing/docker/start.sh"
# shellcheck disable=SC1091
. "$docker_dir/env"
export KPE_TEST_DOCKER_HOST KPE_DOCKER_TCP KPE_TEST_IMAGE

# --- control plane ------------------------------------------------------------------------------------------------
if alive "$cluster_dir/pids/kube-apiserver.pid" "$cluster_dir/"; then
  say "using the control plane already running in $cluster_dir (left running afterwards)"
else
  say "building the control plane (cached after the first build)"
  build_started=$SECONDS
  bin="$("$here/build.sh" | tail -n1)"
  say "control plane binaries in $bin ($((SECONDS - build_started)) s)"
  started_cluster=yes
  # Exec in daemon mode: a pod's commands run in a container the test created on the daemon, named after it, if there
  # is one; otherwise in the daemon's mount namespace, as in a pod whose first container runs the Docker server.
  exec_container='kpe-exec-{namespace}-{pod}'
  KPE_CLUSTER_BIN="$bin" KPE_DOCKER_TCP="$KPE_DOCKER_TCP" \
    KPE_EXEC_CONTAINER="${KPE_EXEC_CONTAINER:-$exec_container}" KPE_EXEC_MODE="${KPE_EXEC_MODE:-daemon}" \
    KPE_EXEC_DAEMON_PIDFILE="$docker_dir/dockerd.pid" "$here/start.sh"
fi
[[ -f "$cluster_dir/env" ]] || { say "no $cluster_dir/env after start.sh"; exit 1; }
# shellcheck disable=SC1091
. "$cluster_dir/env"
if [[ "$KPE_EXEC_MODE" != daemon ]]; then
  say "warning: the running cluster runs exec commands in mode $KPE_EXEC_MODE, not daemon; SyncIT will fail" \
    "(restart the cluster with stop.sh)"
fi
if [[ "${KPE_DOCKER_TCP}" != "$(. "$docker_dir/env"; echo "$KPE_DOCKER_TCP")" ]]; then
  say "warning: the running cluster forwards port 2375 to $KPE_DOCKER_TCP, but the Docker daemon of $docker_dir" \
    "listens elsewhere; tunnel tests will fail (restart the cluster with stop.sh to change it)"
fi

# --- tests --------------------------------------------------------------------------------------------------------
say "running the integration tests against $KPE_CLUSTER_SERVER (exec mode $KPE_EXEC_MODE)"
tests_started=$SECONDS
# -am builds the engine too; -Dtest=none keeps its unit tests (tier 1) from running again.
# shellcheck disable=SC2086
timeout --kill-after=30 "${KPE_IT_TIMEOUT:-1800}" \
  mvn -B -ntp -Pcluster-it -pl integration-tests -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
  ${KPE_IT_MAVEN_ARGS:-}
say "integration tests passed ($((SECONDS - tests_started)) s)"
