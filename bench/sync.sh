#!/usr/bin/env bash
# The sync benchmark (docs/performance.md, section 7): a tree of 10,000 files and 200 MiB mirrored into a Docker
# host, side by side in one run: the first `kpe sync`, a plain `kpe cp` of the same tree, `kubectl cp`; a re-sync of
# the unchanged tree; a re-sync after changing 10 files. Each is run several times (the first sync after deleting the
# mirror); the median is printed, as Markdown on stdout (progress on stderr).
#
#   bench/sync.sh            # KPE_BENCH_SYNC_RUNS (default 3), KPE_BENCH_SYNC_FILES (10000), KPE_BENCH_SYNC_MIB (200)
#
# It needs a Docker daemon started with KPE_DOCKER_PRIVATE_DIRS and a control plane in exec mode daemon (see
# testing/cluster/README.md): it uses those of KPE_DOCKER_DIR and KPE_CLUSTER_DIR when they run, else starts its own
# (state in ${TMPDIR:-/tmp}/kpe-bench-sync-*, ports 23770 and 16580..) and stops exactly what it started.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
cd "$ROOT"

runs="${KPE_BENCH_SYNC_RUNS:-3}"
files="${KPE_BENCH_SYNC_FILES:-10000}"
mib="${KPE_BENCH_SYNC_MIB:-200}"
tmp="${TMPDIR:-/tmp}"
work="$tmp/kpe-bench-sync-work"
export KPE_DOCKER_DIR="${KPE_DOCKER_DIR:-$tmp/kpe-bench-sync-docker}"
export KPE_CLUSTER_DIR="${KPE_CLUSTER_DIR:-$tmp/kpe-bench-sync-cluster}"
log() { echo "bench/sync.sh: $*" >&2; }

started=()
cleanup() {
  local i
  for ((i = ${#started[@]} - 1; i >= 0; i--)); do
    case "${started[$i]}" in
      env) java -jar cli/target/kpe.jar down bench-sync -n "$ns" -q --wait >&2 || true
        "$KPE_KUBECTL" delete namespace "$ns" --wait=false >&2 || true ;;
      cluster) testing/cluster/stop.sh >&2 || true ;;
      docker) testing/docker/stop.sh >&2 || true ;;
    esac
  done
  [[ -z "${tree:-}" ]] || rm -rf "$tree"
  rm -f "${own_file:-}"
}
trap cleanup EXIT

log "building kpe"
mvn -q -B -ntp -Pstand-ins -pl cli -am package -DskipTests >&2

running() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }
if running "$KPE_DOCKER_DIR/dockerd.pid"; then
  log "using the Docker daemon of $KPE_DOCKER_DIR"
else
  KPE_DOCKER_TCP_PORT="${KPE_DOCKER_TCP_PORT:-23770}" KPE_DOCKER_PRIVATE_DIRS="/var/lib/docker:$work" \
    testing/docker/start.sh >&2
  started+=(docker)
fi
# shellcheck disable=SC1091
. "$KPE_DOCKER_DIR/env"
case ":$KPE_DOCKER_PRIVATE_DIRS:" in
  *":$work:"*) ;;
  *) work="${KPE_DOCKER_PRIVATE_DIRS##*:}"; log "the tree goes into the daemon's private directory $work" ;;
esac
if running "$KPE_CLUSTER_DIR/pids/kube-apiserver.pid"; then
  log "using the control plane of $KPE_CLUSTER_DIR"
else
  KPE_CLUSTER_PORT_BASE="${KPE_CLUSTER_PORT_BASE:-16580}" KPE_DOCKER_TCP="$KPE_DOCKER_TCP" KPE_EXEC_MODE=daemon \
    KPE_EXEC_DAEMON_PIDFILE="$KPE_DOCKER_DIR/dockerd.pid" testing/cluster/start.sh >&2
  started+=(cluster)
fi
set -a
# shellcheck disable=SC1091
. "$KPE_CLUSTER_DIR/env"
set +a
[[ "$KPE_EXEC_MODE" == daemon ]] || { log "the control plane of $KPE_CLUSTER_DIR runs exec in mode $KPE_EXEC_MODE"; exit 1; }

ns="kpe-bench-sync-$RANDOM"
"$KPE_KUBECTL" create namespace "$ns" >&2
started+=(env)
kpe=(java -jar cli/target/kpe.jar)
"${kpe[@]}" up bench-sync -n "$ns" -q >&2
pod="$("$KPE_KUBECTL" get pods -n "$ns" -o jsonpath='{.items[0].metadata.name}')"

tree="$work/tree-$ns"
log "writing $files files, $mib MiB, to $tree"
python3 - "$tree" "$files" "$mib" <<'PY'
import os, sys
root, files, mib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
size = mib * 1024 * 1024 // files
for i in range(files):
    d = os.path.join(root, "d%03d" % (i // 100))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%05d.bin" % i), "wb") as f:
        f.write(os.urandom(size))
PY

# seconds COMMAND...: wall time of COMMAND, output on stderr; the time a sync reported itself goes to $own_file
own_file="$(mktemp)"
seconds() {
  local start end out
  out="$(mktemp)"
  start=$(date +%s.%N)
  "$@" >"$out" 2>&1
  end=$(date +%s.%N)
  cat "$out" >&2
  sed -n 's/.*into the Docker host: .* in \([0-9.]*\) s$/\1/p' "$out" >"$own_file"
  rm -f "$out"
  echo "$end - $start" | bc -l | xargs printf '%.3f'
}
median() { sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f", m}'; }
in_pod() { "$KPE_KUBECTL" exec -n "$ns" "$pod" -- sh -c "$1" >&2; }

declare -A times own
for ((r = 1; r <= runs; r++)); do
  log "run $r of $runs"
  in_pod "rm -rf /var/lib/docker/kpe-sync$tree /var/lib/docker/bench-cp /var/lib/docker/bench-kubectl"
  times[first]+="$(seconds "${kpe[@]}" sync -n "$ns" bench-sync "$tree")"$'\n'
  own[first]+="$(cat "$own_file")"$'\n'
  times[unchanged]+="$(seconds "${kpe[@]}" sync -n "$ns" bench-sync "$tree")"$'\n'
  own[unchanged]+="$(cat "$own_file")"$'\n'
  for i in 1 2 3 4 5 6 7 8 9 10; do
    f="$tree/d$(printf %03d $((i * 7)))/f$(printf %05d $((i * 700 + r)))".bin
    head -c 100 /dev/urandom >> "$f"
  done
  times[changed]+="$(seconds "${kpe[@]}" sync -n "$ns" bench-sync "$tree")"$'\n'
  own[changed]+="$(cat "$own_file")"$'\n'
  # into the same file system as the mirror (the volume, in a pod)
  times[cp]+="$(seconds "${kpe[@]}" cp -n "$ns" "$tree" "bench-sync:/var/lib/docker/bench-cp")"$'\n'
  times[kubectl]+="$(seconds "$KPE_KUBECTL" cp -n "$ns" "$tree" "$pod:/var/lib/docker/bench-kubectl")"$'\n'
done
jvm="$(seconds "${kpe[@]}" --version)"

m() { printf '%s' "${times[$1]}" | median; }
o() { printf '%s' "${own[$1]}" | median; }
first=$(m first); cp=$(m cp)
echo "## Sync: $files files, $mib MiB (median of $runs runs; load average after: $(cut -d' ' -f1-3 /proc/loadavg))"
echo
echo "| what | wall time of the command (s) | vs kpe cp | the sync's own time (s) |"
echo "| --- | ---: | ---: | ---: |"
echo "| first kpe sync | $first | $(echo "$first / $cp" | bc -l | xargs printf '%.2f') | $(o first) |"
echo "| kpe cp of the same tree | $cp | 1.00 | |"
echo "| kubectl cp of the same tree | $(m kubectl) | $(echo "$(m kubectl) / $cp" | bc -l | xargs printf '%.2f') | |"
echo "| kpe sync, tree unchanged | $(m unchanged) | | $(o unchanged) |"
echo "| kpe sync, 10 files changed | $(m changed) | | $(o changed) |"
echo "| kpe --version (JVM start and exit, part of every kpe line) | $jvm | | |"
echo
echo "The sync's own time is what its report line says: from reading the tree to the pod's answer, without the JVM"
echo "start, the kubeconfig and the lookup of the environment that every kpe command pays."
