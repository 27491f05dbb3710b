#!/usr/bin/env bash
# The benchmark suite (docs/performance.md): provisioning overhead, re-up, scale, tunnel vs kubectl port-forward,
# tunnel memory. Starts a dedicated local control plane (testing/cluster) whose port-forwards of port 2375 reach a
# target the benchmark programs serve themselves, runs the scenarios one JVM each, and stops the cluster only if it
# started it. Prints Markdown on stdout; progress on stderr.
#
#   bench/run.sh [up] [scale] [tunnel] [memory]       (default: all, in this order)
#
# Environment: KPE_BENCH_CLUSTER_DIR (default ${TMPDIR:-/tmp}/kpe-bench-cluster), KPE_BENCH_PORT_BASE (16540),
# KPE_BENCH_TARGET (127.0.0.1:23790), KPE_BENCH_ARGS_<SCENARIO> (extra arguments, e.g. KPE_BENCH_ARGS_TUNNEL="--size 1g"),
# KPE_CLUSTER_BIN (prebuilt control-plane binaries; default: testing/cluster/build.sh builds or reuses them).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
cd "$ROOT"

scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(up scale tunnel memory)
for s in "${scenarios[@]}"; do
  case "$s" in up | scale | tunnel | memory) ;; *) echo "unknown scenario: $s" >&2; exit 2 ;; esac
done

export KPE_CLUSTER_DIR="${KPE_BENCH_CLUSTER_DIR:-${TMPDIR:-/tmp}/kpe-bench-cluster}"
export KPE_CLUSTER_PORT_BASE="${KPE_BENCH_PORT_BASE:-16540}"
export KPE_CLUSTER_PVS="${KPE_CLUSTER_PVS:-40}"
export KPE_DOCKER_TCP="${KPE_BENCH_TARGET:-127.0.0.1:23790}"
export KPE_EXEC_MODE=off

echo "building (engine, cli, bench)" >&2
mvn -q -B -pl engine,cli -am install -DskipTests >&2
mvn -q -B -f bench/pom.xml package dependency:build-classpath -Dmdep.includeScope=runtime \
  -Dmdep.outputFile=target/classpath.txt >&2
CP="bench/target/classes:$(cat bench/target/classpath.txt)"

started_cluster=0
stop_cluster() {
  if [ "$started_cluster" = 1 ]; then
    echo "stopping the benchmark cluster we started" >&2
    testing/cluster/stop.sh >&2 || true
  fi
}
trap stop_cluster EXIT
start_out="$(testing/cluster/start.sh 2>&1)" || { echo "$start_out" >&2; exit 1; }
echo "$start_out" >&2
if ! grep -q "already running" <<<"$start_out"; then
  started_cluster=1
fi
# shellcheck disable=SC1091
source "$KPE_CLUSTER_DIR/env"
export KUBECONFIG KPE_DOCKER_TCP KPE_KUBECTL KPE_CLUSTER_STORAGE_CLASS

JAVA=(java -Xmx1g -XX:+UseG1GC -cp "$CP")
echo "## Machine"
echo
echo "- $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB RAM"
echo "- $(java -version 2>&1 | head -1), $("$KPE_KUBECTL" version --client 2>/dev/null | head -1)"
echo "- cluster: $("$KPE_KUBECTL" version 2>/dev/null | grep -i server | head -1), kwok node, target $KPE_DOCKER_TCP"

for s in "${scenarios[@]}"; do
  echo
  echo "## $s (load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
  var="KPE_BENCH_ARGS_$(tr '[:lower:]' '[:upper:]' <<<"$s")"
  read -r -a extra <<<"${!var:-}"
  case "$s" in
    up) "${JAVA[@]}" io.kubepodenv.bench.UpBench "${extra[@]}" ;;
    scale) "${JAVA[@]}" io.kubepodenv.bench.ScaleBench --kpe-jar cli/target/kpe.jar "${extra[@]}" ;;
    tunnel) "${JAVA[@]}" io.kubepodenv.bench.TunnelBench --kubectl "$KPE_KUBECTL" "${extra[@]}" ;;
    memory) "${JAVA[@]}" io.kubepodenv.bench.TunnelMemoryBench "${extra[@]}" ;;
  esac
  echo
  echo "(load average after: $(cut -d' ' -f1-3 /proc/loadavg))"
done
