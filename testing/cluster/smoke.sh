#!/usr/bin/env bash
# Checks a cluster started by start.sh end to end, with the built kubectl:
#   1. a StatefulSet with a 5Gi volumeClaimTemplate and a container on port 2375
#      gets readyReplicas=1, its pod is Ready and its claim Bound;
#   2. `kubectl port-forward` to the pod's port 2375 reaches KPE_DOCKER_TCP and
#      GET /_ping answers OK (if nothing listens there, a stand-in HTTP server that
#      answers /_ping is started on that address for the duration of the check),
#      and a connection the daemon closes is seen closed;
#   3. `kubectl exec` runs a command, passes stdin and reports the exit code
#      (unless KPE_EXEC_MODE=off);
#   4. everything is deleted again, the claim goes away and its volume is recycled.
# Environment: KPE_CLUSTER_DIR as for start.sh; KPE_SMOKE_TIMEOUT (seconds per wait,
# default 120).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"

[[ -f "$cluster_dir/env" ]] || die "no running cluster in $cluster_dir (run start.sh first)"
# shellcheck disable=SC1091
source "$cluster_dir/env"
timeout_s="${KPE_SMOKE_TIMEOUT:-120}"
k() { "$KPE_KUBECTL" --request-timeout=20s "$@"; }
# Streams (exec) are not covered by --request-timeout.
kx() { timeout 60 "$KPE_KUBECTL" --request-timeout=20s "$@"; }

ns="kpe-smoke-$RANDOM$RANDOM"
work="$(mktemp -d)"
pf_pid=""
fake_pid=""
cleanup() {
  if [[ -n "$pf_pid" ]]; then kill "$pf_pid" 2>/dev/null || true; fi
  if [[ -n "$fake_pid" ]]; then kill "$fake_pid" 2>/dev/null || true; fi
  k delete namespace "$ns" --ignore-not-found --wait=false >/dev/null 2>&1 || true
  rm -rf -- "$work"
}
trap cleanup EXIT
started=$SECONDS
step() { log "[$((SECONDS - started))s] $*"; }

step "namespace $ns"
k create namespace "$ns" >/dev/null
wait_until "ServiceAccount $ns/default" "$timeout_s" k -n "$ns" get serviceaccount default

step "StatefulSet docker-host with a 5Gi claim"
k -n "$ns" apply -f - >/dev/null <<'EOF'
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: docker-host
spec:
  replicas: 1
  serviceName: docker-host
  selector:
    matchLabels: {app: docker-host}
  template:
    metadata:
      labels: {app: docker-host}
    spec:
      containers:
      - name: docker
        image: docker:dind
        args: ["--host=tcp://0.0.0.0:2375", "--tls=false"]
        securityContext: {privileged: true}
        ports:
        - {name: docker, containerPort: 2375}
        volumeMounts:
        - {name: data, mountPath: /var/lib/docker}
  volumeClaimTemplates:
  - metadata:
      name: data
    spec:
      accessModes: [ReadWriteOnce]
      resources:
        requests: {storage: 5Gi}
EOF
k -n "$ns" wait --for=jsonpath='{.status.readyReplicas}'=1 statefulset/docker-host --timeout="${timeout_s}s" >/dev/null
k -n "$ns" wait --for=condition=Ready pod/docker-host-0 --timeout="${timeout_s}s" >/dev/null
k -n "$ns" wait --for=jsonpath='{.status.phase}'=Bound pvc/data-docker-host-0 --timeout="${timeout_s}s" >/dev/null
pv="$(k -n "$ns" get pvc data-docker-host-0 -o jsonpath='{.spec.volumeName}')"
step "ready: pod Ready, claim Bound to $pv"

step "port-forward pod/docker-host-0 :2375 -> $KPE_DOCKER_TCP"
port_in_use() { (exec 3<>"/dev/tcp/${KPE_DOCKER_TCP%:*}/${KPE_DOCKER_TCP##*:}") 2>/dev/null; }
if ! port_in_use; then
  command -v python3 >/dev/null || die "nothing listens on $KPE_DOCKER_TCP and python3 is missing for a stand-in"
  printf OK >"$work/_ping"
  python3 -m http.server --bind "${KPE_DOCKER_TCP%:*}" --directory "$work" "${KPE_DOCKER_TCP##*:}" \
    >"$work/fake-docker.log" 2>&1 &
  fake_pid=$!
  wait_until "stand-in /_ping server on $KPE_DOCKER_TCP" 20 port_in_use
  step "nothing listened on $KPE_DOCKER_TCP: started a stand-in /_ping server (pid $fake_pid)"
fi
k -n "$ns" port-forward --address 127.0.0.1 pod/docker-host-0 :2375 >"$work/pf.log" 2>&1 &
pf_pid=$!
local_port() { grep -oE '127\.0\.0\.1:[0-9]+ -> 2375' "$work/pf.log" | head -n1 | sed -E 's/.*:([0-9]+) .*/\1/'; }
wait_until "kubectl port-forward to listen" 30 bash -c "grep -qE '127\\.0\\.0\\.1:[0-9]+ -> 2375' '$work/pf.log'" ||
  { cat "$work/pf.log" >&2; die "port-forward did not start"; }
port="$(local_port)"
ping="$(curl -fsS --max-time 10 "http://127.0.0.1:$port/_ping")" ||
  { cat "$work/pf.log" >&2; die "GET /_ping through the port-forward failed"; }
[[ "$ping" == OK ]] || die "GET /_ping through the port-forward answered '$ping', expected OK"
step "GET http://127.0.0.1:$port/_ping -> $ping"
# When the daemon closes a connection ("Connection: close"), the client must see it
# closed too (clients such as the engine's read a ping answer up to end of stream).
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n' >&3
answer="$(timeout 15 cat <&3)" || die "the forwarded connection stayed open after the daemon closed it"
exec 3<&-
[[ "$answer" == *$'\r\n\r\nOK' ]] || die "GET /_ping with Connection: close answered '$answer'"
step "the forwarded connection ends when the daemon closes it"
kill "$pf_pid" 2>/dev/null || true
wait "$pf_pid" 2>/dev/null || true
pf_pid=""

if [[ "${KPE_EXEC_MODE:-local}" != off ]]; then
  step "exec (mode $KPE_EXEC_MODE)"
  out="$(kx -n "$ns" exec docker-host-0 -c docker -- echo kpe-exec-ok)"
  [[ "$out" == kpe-exec-ok ]] || die "exec echo printed '$out'"
  out="$(printf 'through stdin' | kx -n "$ns" exec -i docker-host-0 -- cat)"
  [[ "$out" == "through stdin" ]] || die "exec -i cat printed '$out'"
  rc=0; kx -n "$ns" exec docker-host-0 -- sh -c 'exit 3' 2>/dev/null || rc=$?
  [[ "$rc" == 3 ]] || die "exec 'exit 3' gave exit code $rc"
  step "exec: stdout, stdin and exit code pass through"
fi

step "deleting StatefulSet, claim and namespace"
k -n "$ns" delete statefulset docker-host --wait=true --timeout="${timeout_s}s" >/dev/null
k -n "$ns" wait --for=delete pod/docker-host-0 --timeout="${timeout_s}s" >/dev/null 2>&1 || true
k -n "$ns" delete pvc data-docker-host-0 --wait=true --timeout="${timeout_s}s" >/dev/null
wait_until "$pv to be recycled (Available)" "$timeout_s" \
  bash -c '[[ "$("$0" --request-timeout=20s get pv "$1" -o jsonpath={.status.phase})" == Available ]]' "$KPE_KUBECTL" "$pv"
k delete namespace "$ns" --wait=true --timeout="${timeout_s}s" >/dev/null
step "smoke test passed"
