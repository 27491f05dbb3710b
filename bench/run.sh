#!/usr/bin/env bash
# The benchmark suite (docs/performance.md): provisioning overhead, re-up, wake, scale, tunnel vs kubectl port-forward,
# tunnel memory, and the docker CLI through each path. Starts what it needs, runs the scenarios one JVM each, and
# stops only what it started. Prints Markdown on stdout; progress on stderr.
#
#   bench/run.sh [up] [wake] [scale] [tunnel] [memory] [docker]     (default: all, in this order)
#
# up, wake, scale, tunnel, memory: a dedicated local control plane (testing/cluster) whose port-forwards of port 2375
# reach a target served by the benchmark programs themselves (checksummed transfers, Docker's /_ping).
# docker: a Docker daemon (testing/docker) and a second dedicated control plane whose port-forwards reach it.
#
# Environment: KPE_BENCH_CLUSTER_DIR (default ${TMPDIR:-/tmp}/kpe-bench-cluster; the docker scenario's cluster uses
# the same path with -docker appended), KPE_BENCH_PORT_BASE (16540; the second cluster uses +20),
# KPE_BENCH_TARGET (127.0.0.1:23790), KPE_BENCH_ARGS_<SCENARIO> (extra arguments, e.g.
# KPE_BENCH_ARGS_TUNNEL="--size 1g"), KPE_CLUSTER_BIN (prebuilt control-plane binaries; default:
# testing/cluster/build.sh builds or reuses them).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
cd "$ROOT"

scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(up wake scale tunnel memory docker)
for s in "${scenarios[@]}"; do
  case "$s" in up | wake | scale | tunnel | memory | docker) ;; *) echo "unknown scenario: $s" >&2; exit 2 ;; esac
done

cluster_dir="${KPE_BENCH_CLUSTER_DIR:-${TMPDIR:-/tmp}/kpe-bench-cluster}"
port_base="${KPE_BENCH_PORT_BASE:-16540}"
export KPE_CLUSTER_PVS="${KPE_CLUSTER_PVS:-40}"
export KPE_EXEC_MODE=off

echo "building (engine, cli, bench)" >&2
mvn -q -B -Pstand-ins -pl engine,cli -am install -DskipTests >&2
mvn -q -B -f bench/pom.xml package dependency:build-classpath -Dmdep.includeScope=runtime \
  -Dmdep.outputFile=target/classpath.txt >&2
CP="bench/target/classes:$(cat bench/target/classpath.txt)"

# what we started, stopped in reverse order on exit
started=()
cleanup() {
  local i
  for ((i = ${#started[@]} - 1; i >= 0; i--)); do
    case "${started[$i]}" in
      docker) echo "stopping the Docker daemon we started" >&2; testing/docker/stop.sh >&2 || true ;;
      cluster:*) echo "stopping the cluster we started in ${started[$i]#cluster:}" >&2
        KPE_CLUSTER_DIR="${started[$i]#cluster:}" testing/cluster/stop.sh >&2 || true ;;
    esac
  done
}
trap cleanup EXIT

# start_cluster DIR PORT_BASE TARGET: starts (or reuses) a control plane, then sources its env file
start_cluster() {
  local out
  out="$(KPE_CLUSTER_DIR="$1" KPE_CLUSTER_PORT_BASE="$2" KPE_DOCKER_TCP="$3" testing/cluster/start.sh 2>&1)" \
    || { echo "$out" >&2; exit 1; }
  echo "$out" >&2
  grep -q "already running" <<<"$out" || started+=("cluster:$1")
  # shellcheck disable=SC1091
  source "$1/env"
  export KUBECONFIG KPE_DOCKER_TCP KPE_KUBECTL KPE_CLUSTER_STORAGE_CLASS
  # the processes that carry port-forwards, for the tunnel scenario's CPU figures
  KPE_BENCH_SERVER_PIDS="kube-apiserver=$(cat "$1/pids/kube-apiserver.pid"),kwok=$(cat "$1/pids/kwok.pid")"
  export KPE_BENCH_SERVER_PIDS
}

JAVA=(java -Xmx1g -XX:+UseG1GC -cp "$CP")
machine_printed=0
machine() {
  [ "$machine_printed" = 0 ] || return 0
  machine_printed=1
  echo "## Machine"
  echo
  echo "- $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB RAM"
  echo "- $(java -version 2>&1 | head -1), kubectl $("$KPE_KUBECTL" version --client 2>/dev/null | head -1)"
  echo "- cluster: $("$KPE_KUBECTL" version 2>/dev/null | grep -i server | head -1), kwok node"
}

for s in "${scenarios[@]}"; do
  if [ "$s" = docker ]; then
    docker_out="$(testing/docker/start.sh 2>&1)" || { echo "$docker_out" >&2; exit 1; }
    echo "$docker_out" >&2
    grep -q "already running" <<<"$docker_out" || started+=(docker)
    # shellcheck disable=SC1091
    source "${KPE_DOCKER_DIR:-${TMPDIR:-/tmp}/kpe-docker}/env"
    export KPE_TEST_IMAGE
    start_cluster "$cluster_dir-docker" $((port_base + 20)) "$KPE_DOCKER_TCP"
  else
    start_cluster "$cluster_dir" "$port_base" "${KPE_BENCH_TARGET:-127.0.0.1:23790}"
  fi
  machine
  echo
  echo "## $s (load average before: $(cut -d' ' -f1-3 /proc/loadavg); port-forwards reach $KPE_DOCKER_TCP)"
  var="KPE_BENCH_ARGS_$(tr '[:lower:]' '[:upper:]' <<<"$s")"
  read -r -a extra <<<"${!var:-}"
  case "$s" in
    up) "${JAVA[@]}" io.kubepodenv.bench.UpBench "${extra[@]}" ;;
    wake) "${JAVA[@]}" io.kubepodenv.bench.WakeBench "${extra[@]}" ;;
    scale) "${JAVA[@]}" io.kubepodenv.bench.ScaleBench --kpe-jar cli/target/kpe.jar "${extra[@]}" ;;
    tunnel) "${JAVA[@]}" io.kubepodenv.bench.TunnelBench --kubectl "$KPE_KUBECTL" "${extra[@]}" ;;
    memory) "${JAVA[@]}" io.kubepodenv.bench.TunnelMemoryBench "${extra[@]}" ;;
    docker) "${JAVA[@]}" io.kubepodenv.bench.DockerBench --kubectl "$KPE_KUBECTL" "${extra[@]}" ;;
  esac
  echo
  echo "(load average after: $(cut -d' ' -f1-3 /proc/loadavg))"
done
