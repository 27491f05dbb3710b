#!/usr/bin/env bash
# The main job, on a machine without a cluster: builds kpe, starts a private Docker daemon and a local Kubernetes
# control plane (a real API server, controller-manager and scheduler, and a kwok node whose pods' port 2375 leads to
# that Docker daemon), then shows kpe at work: up, ls, a container and a docker build through the tunnel, down.
# Everything it started is stopped at the end, also on failure.
#
#   scripts/demo.sh            # first run: builds the control plane from Go modules (about 10 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n\033[1m==> %s\033[0m\n' "$*" >&2; }
run() { printf '$ %s\n' "$*" >&2; "$@"; }
# ours PIDFILE TEXT: the process of the pid file runs and its command line contains TEXT (a stale pid file may name a
# reused PID of some other process).
ours() {
  [ -f "$1" ] || return 1
  local pid; pid="$(cat "$1")"
  kill -0 "$pid" 2>/dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$2"
}

docker_dir="${KPE_DOCKER_DIR:-${TMPDIR:-/tmp}/kpe-docker}"
cluster_dir="${KPE_CLUSTER_DIR:-${TMPDIR:-/tmp}/kpe-cluster}"
started_docker=""
started_cluster=""
work="$(mktemp -d)"
cleanup() {
  local rc=$?
  say "stopping what the demo started"
  if [ -n "$started_cluster" ]; then testing/cluster/stop.sh || true; fi
  if [ -n "$started_docker" ]; then testing/docker/stop.sh || true; fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT

say "building kpe (mvn package)"
mvn -B -q -ntp -Pstand-ins package -DskipTests
kpe_jar="$PWD/cli/target/kpe.jar"

say "starting a private Docker daemon (testing/docker/start.sh)"
ours "$docker_dir/dockerd.pid" "--data-root $docker_dir/data" || started_docker=yes
testing/docker/start.sh
# shellcheck disable=SC1091
. "$docker_dir/env"

say "building (once, then cached) and starting a local Kubernetes control plane (testing/cluster/)"
ours "$cluster_dir/pids/kube-apiserver.pid" "$cluster_dir/" || started_cluster=yes
KPE_DOCKER_TCP="$KPE_DOCKER_TCP" testing/cluster/start.sh
# shellcheck disable=SC1091
. "$cluster_dir/env"

kpe() { printf '$ kpe %s\n' "$*" >&2; java -jar "$kpe_jar" "$@"; }  # KUBECONFIG comes from the env file
key="demo/PR-1"

say "provisioning the environment of '$key' (render, validate, apply, wait for the pod and for Docker's /_ping)"
kpe up "$key" -n default

say "listing environments"
kpe ls -n default

say "running a container through the tunnel (DOCKER_HOST=tcp://127.0.0.1:<port>)"
kpe exec "$key" -n default -- docker run --rm --network none "$KPE_TEST_IMAGE" echo "hello from a container"

say "building an image through the tunnel"
mkdir -p "$work/context"
printf 'FROM %s\nRUN echo built by kube-pod-env > /built.txt\nCMD ["cat", "/built.txt"]\n' "$KPE_TEST_IMAGE" \
  > "$work/context/Dockerfile"
kpe exec "$key" -n default -- docker build --network none -t kpe-demo:latest "$work/context"
kpe exec "$key" -n default -- docker run --rm --network none kpe-demo:latest
kpe exec "$key" -n default -- docker rmi kpe-demo:latest >/dev/null

say "a second up of the same key reuses the environment"
kpe up "$key" -n default

say "deleting the environment (every object, claims included) and waiting until it is gone"
kpe down "$key" -n default --wait
run "$KPE_KUBECTL" get statefulsets,pods,pvc,configmaps,serviceaccounts,networkpolicies -n default \
  -l app.kubernetes.io/managed-by=kube-pod-env

say "done"
