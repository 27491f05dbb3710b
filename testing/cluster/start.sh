#!/usr/bin/env bash
# Starts a real, local Kubernetes control plane for tests: etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler and one kwok-simulated node, all bound to
# 127.0.0.1, with their state in ${KPE_CLUSTER_DIR:-${TMPDIR:-/tmp}/kpe-cluster}.
# See README.md next to this script. Stop it with stop.sh.
#
# Environment (all optional):
#   KPE_CLUSTER_DIR        state directory (certs, etcd data, logs, pid files, env file)
#   KPE_CLUSTER_BIN        directory holding prebuilt binaries (default: run build.sh)
#   KPE_CLUSTER_PORT_BASE  first of six consecutive loopback ports (default 16440)
#   KPE_CLUSTER_PVS        number of PersistentVolumes to create (default 20)
#   KPE_CLUSTER_PV_SIZE    capacity of each PersistentVolume (default 50Gi)
#   KPE_DOCKER_TCP         host:port that port-forwards to any pod's port 2375 reach
#                          (default 127.0.0.1:23750)
#   KPE_EXEC_CONTAINER     a container on the Docker daemon at KPE_DOCKER_TCP; when
#                          set, `kubectl exec` into any pod runs the command there
#                          (docker exec -i). May contain {namespace}, {pod} and
#                          {container}, replaced per exec (one container per pod).
#   KPE_EXEC_MODE          docker | daemon | local | off (default: docker when
#                          KPE_EXEC_CONTAINER is set, else local). daemon: the command
#                          runs in the mount namespace of the Docker daemon whose pid
#                          file is KPE_EXEC_DAEMON_PIDFILE (nsenter), as in a pod whose
#                          first container runs the Docker server; except for a pod
#                          whose KPE_EXEC_CONTAINER (if set) exists on the daemon: there
#                          as in docker mode.
#   KPE_EXEC_DAEMON_PIDFILE  for daemon mode (testing/docker writes <state>/dockerd.pid)
#   KPE_CLUSTER_TIMEOUT    seconds allowed for each start-up wait (default 120)
set -Eeuo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"

timeout_s="${KPE_CLUSTER_TIMEOUT:-120}"
port_base="${KPE_CLUSTER_PORT_BASE:-16440}"
etcd_port=$port_base
etcd_peer_port=$((port_base + 1))
apiserver_port=$((port_base + 2))
kwok_port=$((port_base + 3))
cm_port=$((port_base + 4))
scheduler_port=$((port_base + 5))
node_name=kpe-node
docker_tcp="${KPE_DOCKER_TCP:-127.0.0.1:23750}"
pv_count="${KPE_CLUSTER_PVS:-20}"
pv_size="${KPE_CLUSTER_PV_SIZE:-50Gi}"
exec_container="${KPE_EXEC_CONTAINER:-}"
exec_mode="${KPE_EXEC_MODE:-$([[ -n "$exec_container" ]] && echo docker || echo local)}"

[[ "$docker_tcp" =~ ^([^:]+):([0-9]+)$ ]] || die "KPE_DOCKER_TCP must be host:port, got '$docker_tcp'"
docker_host="${BASH_REMATCH[1]}"
docker_port="${BASH_REMATCH[2]}"
case "$exec_mode" in
  docker) [[ -n "$exec_container" ]] || die "KPE_EXEC_MODE=docker needs KPE_EXEC_CONTAINER" ;;
  daemon)
    [[ -f "${KPE_EXEC_DAEMON_PIDFILE:-}" ]] ||
      die "KPE_EXEC_MODE=daemon needs KPE_EXEC_DAEMON_PIDFILE, the pid file of a running Docker daemon"
    command -v nsenter >/dev/null || die "KPE_EXEC_MODE=daemon needs nsenter (util-linux)"
    ;;
  local | off) ;;
  *) die "KPE_EXEC_MODE must be docker, daemon, local or off, got '$exec_mode'" ;;
esac
command -v openssl >/dev/null || die "openssl is needed to generate the cluster's certificates"
command -v curl >/dev/null || die "curl is needed for health checks"

# --- already running? -------------------------------------------------------------
if [[ -f "$cluster_dir/$marker_name" ]]; then
  alive=0
  for c in "${components[@]}"; do
    if is_ours "$(pid_of "$c")"; then alive=$((alive + 1)); fi
  done
  if ((alive == ${#components[@]})); then
    log "cluster already running in $cluster_dir (its settings are in $cluster_dir/env; stop.sh to change them)"
    echo "source $cluster_dir/env   # exports KUBECONFIG=$cluster_dir/admin.kubeconfig"
    exit 0
  fi
  if ((alive > 0)); then
    die "cluster in $cluster_dir is partly running ($alive of ${#components[@]} processes); run stop.sh first"
  fi
  log "removing stale state in $cluster_dir (no process of it is running)"
  rm -rf -- "$cluster_dir"
elif [[ -e "$cluster_dir" && -n "$(ls -A "$cluster_dir" 2>/dev/null)" ]]; then
  die "$cluster_dir exists, is not empty and was not created by this script; set KPE_CLUSTER_DIR elsewhere"
fi

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$etcd_port" "$etcd_peer_port" "$apiserver_port" "$kwok_port" "$cm_port" "$scheduler_port"; do
  if port_in_use "$p"; then
    die "127.0.0.1:$p is in use; choose other ports with KPE_CLUSTER_PORT_BASE (needs six consecutive ports)"
  fi
done

started_at=$SECONDS

# --- binaries ---------------------------------------------------------------------
if [[ -n "${KPE_CLUSTER_BIN:-}" ]]; then
  bin="$KPE_CLUSTER_BIN"
else
  bin="$("$here/build.sh" | tail -n1)"
fi
for b in etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok kwokstages; do
  [[ -x "$bin/$b" ]] || die "$bin/$b is missing; run build.sh"
done

mkdir -p "$cluster_dir"/{pki,pids,logs,volumes,etcd}
chmod 700 "$cluster_dir/pki" "$cluster_dir/etcd"
touch "$cluster_dir/$marker_name"
pki="$cluster_dir/pki"

# If anything below fails, stop what was started but keep the logs for diagnosis.
on_error() {
  local rc=$? line="$1" command="$2"
  log "start failed (exit $rc) at start.sh line $line: $command"
  log "state and logs kept in $cluster_dir (stop.sh removes them)"
  for c in "${components[@]}"; do
    if [[ -f "$cluster_dir/logs/$c.log" ]]; then
      log "--- last lines of $c.log"
      tail -n 15 "$cluster_dir/logs/$c.log" >&2 || true
    fi
  done
  "$here/stop.sh" --keep >&2 || true
  exit "$rc"
}
trap 'on_error "$LINENO" "$BASH_COMMAND"' ERR

# --- certificates -----------------------------------------------------------------
# ECDSA P-256 keys: much faster to generate than RSA, and every component accepts them.
log "generating certificates in $pki"
openssl_quiet() { openssl "$@" 2>/dev/null; }
openssl_quiet req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
  -keyout "$pki/ca.key" -out "$pki/ca.crt" -subj "/CN=kpe-cluster-ca" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature"

# issue NAME SUBJECT USAGE [SUBJECT_ALT_NAMES]: a key and a CA-signed certificate.
# KEY_TYPE=rsa gives an RSA key instead of P-256.
issue() {
  local name="$1" subject="$2" usage="$3" san="${4:-}"
  local newkey=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1)
  if [[ "${KEY_TYPE:-ec}" == rsa ]]; then newkey=(-newkey rsa:2048); fi
  openssl_quiet req -new "${newkey[@]}" -nodes -keyout "$pki/$name.key" \
    -out "$pki/$name.csr" -subj "$subject"
  {
    echo "basicConstraints=CA:FALSE"
    echo "keyUsage=critical,digitalSignature"
    echo "extendedKeyUsage=$usage"
    if [[ -n "$san" ]]; then echo "subjectAltName=$san"; fi
  } >"$pki/$name.ext"
  openssl_quiet x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" \
    -CAcreateserial -CAserial "$pki/ca.srl" -days 3650 -extfile "$pki/$name.ext" -out "$pki/$name.crt"
  rm -f "$pki/$name.csr" "$pki/$name.ext"
}
issue apiserver "/CN=kube-apiserver" serverAuth \
  "IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
issue kubelet-serving "/CN=$node_name" serverAuth "IP:127.0.0.1,DNS:$node_name,DNS:localhost"
issue apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" clientAuth
# RSA for the admin credentials: Java clients read this kubeconfig's client key, and
# some assume RSA unless told otherwise.
KEY_TYPE=rsa issue admin "/O=system:masters/CN=kpe-admin" clientAuth
issue controller-manager "/CN=system:kube-controller-manager" clientAuth
issue scheduler "/CN=system:kube-scheduler" clientAuth
openssl_quiet genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$pki/sa.key"
openssl_quiet pkey -in "$pki/sa.key" -pubout -out "$pki/sa.pub"
chmod 600 "$pki"/*.key

server="https://127.0.0.1:$apiserver_port"
# kubeconfig NAME CERT: a kubeconfig with embedded credentials for one identity.
kubeconfig() {
  local file="$cluster_dir/$1.kubeconfig" cert="$2"
  local kc=("$bin/kubectl" --kubeconfig "$file" config)
  "${kc[@]}" set-cluster kpe --server="$server" --certificate-authority="$pki/ca.crt" --embed-certs=true >/dev/null
  "${kc[@]}" set-credentials "$1" --client-certificate="$pki/$cert.crt" --client-key="$pki/$cert.key" --embed-certs=true >/dev/null
  "${kc[@]}" set-context kpe --cluster=kpe --user="$1" >/dev/null
  "${kc[@]}" use-context kpe >/dev/null
  chmod 600 "$file"
}
kubeconfig admin admin
kubeconfig controller-manager controller-manager
kubeconfig scheduler scheduler
admin_kubeconfig="$cluster_dir/admin.kubeconfig"
k() { "$bin/kubectl" --kubeconfig "$admin_kubeconfig" --request-timeout=20s "$@"; }

# launch NAME COMMAND...: runs COMMAND in the background, detached from this shell's
# hang-ups, with its output in logs/NAME.log and its pid in pids/NAME.pid.
launch() {
  local name="$1"; shift
  nohup "$@" >"$cluster_dir/logs/$name.log" 2>&1 </dev/null &
  local pid=$! deadline=$((SECONDS + 10))
  echo "$pid" >"$cluster_dir/pids/$name.pid"
  # Until the child has exec'd, its command line is this script's, which is_ours
  # does not recognise; wait for the exec so a busy machine cannot make a healthy
  # process look dead.
  until is_ours "$pid" || ! kill -0 "$pid" 2>/dev/null || ((SECONDS >= deadline)); do
    sleep 0.05
  done
}
# Liveness of a process this script launched: running and not a zombie. Not is_ours: while a process execs (or
# under heavy load) its command line can read empty for an instant, which must not pass for an exit.
alive() {
  local pid; pid="$(pid_of "$1")"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  local state; state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || echo gone)"
  [[ "$state" != Z && "$state" != gone ]]
}
# healthy NAME URL [CURL ARGS...]: the process is alive and URL answers 200 "ok".
healthy() {
  local name="$1" url="$2"; shift 2
  alive "$name" || { log "$name exited; see $cluster_dir/logs/$name.log"; return 2; }
  [[ "$(curl -fsS --max-time 3 "$@" "$url" 2>/dev/null)" == ok ]]
}
wait_healthy() {
  local name="$1"; shift
  local deadline=$((SECONDS + timeout_s)) rc
  while true; do
    rc=0; healthy "$name" "$@" || rc=$?
    ((rc == 0)) && return 0
    ((rc == 2)) && return 1
    ((SECONDS < deadline)) || { log "timed out after ${timeout_s}s waiting for $name"; return 1; }
    sleep 0.5
  done
}

# --- etcd -------------------------------------------------------------------------
log "starting etcd on 127.0.0.1:$etcd_port"
launch etcd "$bin/etcd" --name kpe --data-dir "$cluster_dir/etcd" \
  --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
  --listen-peer-urls "http://127.0.0.1:$etcd_peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer_port" \
  --initial-cluster "kpe=http://127.0.0.1:$etcd_peer_port" --unsafe-no-fsync --log-level warn
etcd_health() {
  alive etcd || { log "etcd exited; see $cluster_dir/logs/etcd.log"; return 2; }
  curl -fsS --max-time 3 "http://127.0.0.1:$etcd_port/health" | grep -q '"health":"true"'
}
wait_until "etcd /health" "$timeout_s" etcd_health

# --- kube-apiserver ---------------------------------------------------------------
log "starting kube-apiserver on $server"
launch kube-apiserver "$bin/kube-apiserver" \
  --etcd-servers "http://127.0.0.1:$etcd_port" \
  --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$apiserver_port" \
  --cert-dir "$cluster_dir/apiserver-certs" \
  --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
  --client-ca-file "$pki/ca.crt" \
  --authorization-mode Node,RBAC \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
  --service-cluster-ip-range 10.96.0.0/16 \
  --allow-privileged=true \
  --kubelet-client-certificate "$pki/apiserver-kubelet-client.crt" \
  --kubelet-client-key "$pki/apiserver-kubelet-client.key" \
  --kubelet-certificate-authority "$pki/ca.crt" \
  --kubelet-preferred-address-types InternalIP \
  --endpoint-reconciler-type=none \
  --profiling=false
admin_curl=(--cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key")
wait_healthy kube-apiserver "$server/readyz" "${admin_curl[@]}"

# --- controller-manager and scheduler ----------------------------------------------
log "starting kube-controller-manager and kube-scheduler"
cm_kubeconfig="$cluster_dir/controller-manager.kubeconfig"
launch kube-controller-manager "$bin/kube-controller-manager" \
  --kubeconfig "$cm_kubeconfig" \
  --authentication-kubeconfig "$cm_kubeconfig" --authorization-kubeconfig "$cm_kubeconfig" \
  --bind-address 127.0.0.1 --secure-port "$cm_port" --cert-dir "$cluster_dir/controller-manager-certs" \
  --leader-elect=false --use-service-account-credentials=true \
  --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
  --cluster-signing-cert-file "$pki/ca.crt" --cluster-signing-key-file "$pki/ca.key" \
  --profiling=false
sched_kubeconfig="$cluster_dir/scheduler.kubeconfig"
launch kube-scheduler "$bin/kube-scheduler" \
  --kubeconfig "$sched_kubeconfig" \
  --authentication-kubeconfig "$sched_kubeconfig" --authorization-kubeconfig "$sched_kubeconfig" \
  --bind-address 127.0.0.1 --secure-port "$scheduler_port" --leader-elect=false --profiling=false
wait_healthy kube-controller-manager "https://127.0.0.1:$cm_port/healthz" -k
wait_healthy kube-scheduler "https://127.0.0.1:$scheduler_port/healthz" -k

# --- node, storage ----------------------------------------------------------------
log "creating node $node_name, StorageClass standard and $pv_count PersistentVolumes of $pv_size"
{
  cat <<EOF
apiVersion: v1
kind: Node
metadata:
  name: $node_name
  labels:
    kubernetes.io/hostname: $node_name
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    type: kwok
  annotations:
    node.alpha.kubernetes.io/ttl: "0"
    kwok.x-k8s.io/node: fake
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: Immediate
reclaimPolicy: Delete
EOF
  for i in $(seq -w 1 "$pv_count"); do
    mkdir -p "$cluster_dir/volumes/pv-$i"
    # Recycle: once a claim is deleted the PV controller runs a recycler pod; the
    # kpe-pv-recycler stage (kwok.yaml) completes it, and the volume is Available again.
    cat <<EOF
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: kpe-pv-$i
  labels:
    kube-pod-env.io/test-volume: "true"
spec:
  storageClassName: standard
  capacity:
    storage: $pv_size
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Recycle
  hostPath:
    path: $cluster_dir/volumes/pv-$i
    type: DirectoryOrCreate
EOF
  done
} >"$cluster_dir/cluster-objects.yaml"
k apply -f "$cluster_dir/cluster-objects.yaml" >/dev/null 2>"$cluster_dir/logs/apply.log" ||
  { cat "$cluster_dir/logs/apply.log" >&2; false; }

# --- kwok -------------------------------------------------------------------------
# Exec: kwok (patched by build.sh) runs each `kubectl exec` command as a local
# process, or as `$KPE_EXEC_WRAPPER command...` when that is set in its environment.
kwok_env=()
exec_yaml=""
case "$exec_mode" in
  docker)
    docker_cli="$(command -v docker)" || die "KPE_EXEC_MODE=docker needs the docker CLI"
    wrapper="$cluster_dir/exec-in-docker"
    {
      echo '#!/usr/bin/env bash'
      echo '# Written by start.sh: runs a `kubectl exec` command in a container on the test'
      echo '# Docker daemon. kwok sets KPE_POD_NAMESPACE, KPE_POD_NAME and KPE_POD_CONTAINER.'
      printf 'container=%q\n' "$exec_container"
      echo 'container="${container//\{namespace\}/$KPE_POD_NAMESPACE}"'
      echo 'container="${container//\{pod\}/$KPE_POD_NAME}"'
      echo 'container="${container//\{container\}/$KPE_POD_CONTAINER}"'
      echo 'tty=()'
      echo 'if [[ -t 0 ]]; then tty=(-t); fi'
      printf 'exec %q --host %q exec -i "${tty[@]}" "$container" "$@"\n' "$docker_cli" "tcp://$docker_tcp"
    } >"$wrapper"
    chmod 755 "$wrapper"
    kwok_env=(KPE_EXEC_WRAPPER="$wrapper")
    exec_yaml="
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterExec
metadata:
  name: kpe-exec-in-docker-container
spec:
  execs:
  - local: {}"
    ;;
  daemon)
    docker_cli="$(command -v docker || true)"
    [[ -z "$exec_container" || -n "$docker_cli" ]] || die "KPE_EXEC_CONTAINER in daemon mode needs the docker CLI"
    wrapper="$cluster_dir/exec-in-daemon"
    {
      echo '#!/usr/bin/env bash'
      echo '# Written by start.sh: runs a `kubectl exec` command in the mount namespace of the test'
      echo '# Docker daemon, or in the container named for the pod if that exists on the daemon.'
      echo '# kwok sets KPE_POD_NAMESPACE, KPE_POD_NAME and KPE_POD_CONTAINER.'
      printf 'container=%q\n' "$exec_container"
      printf 'pidfile=%q\n' "$KPE_EXEC_DAEMON_PIDFILE"
      echo 'if [[ -n "$container" ]]; then'
      echo '  container="${container//\{namespace\}/$KPE_POD_NAMESPACE}"'
      echo '  container="${container//\{pod\}/$KPE_POD_NAME}"'
      echo '  container="${container//\{container\}/$KPE_POD_CONTAINER}"'
      printf '  if %q --host %q container inspect "$container" >/dev/null 2>&1; then\n' "$docker_cli" "tcp://$docker_tcp"
      echo '    tty=()'
      echo '    if [[ -t 0 ]]; then tty=(-t); fi'
      printf '    exec %q --host %q exec -i "${tty[@]}" "$container" "$@"\n' "$docker_cli" "tcp://$docker_tcp"
      echo '  fi'
      echo 'fi'
      echo 'pid="$(cat "$pidfile" 2>/dev/null)"'
      echo '[[ "$pid" =~ ^[0-9]+$ ]] || { echo "no Docker daemon pid in $pidfile" >&2; exit 126; }'
      echo 'exec nsenter -t "$pid" -m -- "$@"'
    } >"$wrapper"
    chmod 755 "$wrapper"
    kwok_env=(KPE_EXEC_WRAPPER="$wrapper")
    exec_yaml="
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterExec
metadata:
  name: kpe-exec-in-docker-daemon
spec:
  execs:
  - local: {}"
    ;;
  local)
    mkdir -p "$cluster_dir/exec-root"
    run_as=""
    if [[ "$(id -u)" == 0 ]] && getent passwd 65534 >/dev/null; then
      # Running as root: commands from `kubectl exec` run as nobody, not as root.
      chown 65534:65534 "$cluster_dir/exec-root"
      run_as="
      securityContext:
        runAsUser: 65534
        runAsGroup: 65534"
    fi
    exec_yaml="
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterExec
metadata:
  name: kpe-exec-local
spec:
  execs:
  - local:
      workDir: $cluster_dir/exec-root
      envs:
      - name: HOME
        value: $cluster_dir/exec-root$run_as"
    ;;
esac

{
  "$bin/kwokstages"
  cat <<EOF
---
# The PV controller's recycler pod (default namespace, container pv-recycler,
# restartPolicy Never) never finishes on a simulated node; finish it successfully.
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: kpe-pv-recycler-succeeds
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '.metadata.namespace'
      operator: 'In'
      values: ['default']
    - key: '.spec.containers.[].name'
      operator: 'In'
      values: ['pv-recycler']
    - key: '.status.phase'
      operator: 'In'
      values: ['Running']
  next:
    statusTemplate: |
      {{ \$now := Now }}
      phase: Succeeded
      conditions:
      - type: Ready
        status: "False"
        reason: PodCompleted
        lastTransitionTime: {{ \$now | Quote }}
      containerStatuses:
      {{ range .spec.containers }}
      - name: {{ .name | Quote }}
        image: {{ .image | Quote }}
        ready: false
        restartCount: 0
        state:
          terminated:
            exitCode: 0
            reason: Completed
            startedAt: {{ \$now | Quote }}
            finishedAt: {{ \$now | Quote }}
      {{ end }}
---
# A port-forward to port 2375 of any pod reaches KPE_DOCKER_TCP.
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterPortForward
metadata:
  name: kpe-docker-port
spec:
  forwards:
  - ports: [2375]
    target:
      address: $docker_host
      port: $docker_port$exec_yaml
EOF
} >"$cluster_dir/kwok.yaml"

log "starting kwok for node $node_name (kubelet API on 127.0.0.1:$kwok_port)"
launch kwok env "${kwok_env[@]}" "$bin/kwok" \
  --config "$cluster_dir/kwok.yaml" \
  --kubeconfig "$admin_kubeconfig" \
  --manage-single-node "$node_name" --node-name "$node_name" \
  --node-ip 127.0.0.1 --node-port "$kwok_port" --server-address "127.0.0.1:$kwok_port" \
  --tls-cert-file "$pki/kubelet-serving.crt" --tls-private-key-file "$pki/kubelet-serving.key" \
  --cidr 10.244.0.0/16 --node-lease-duration-seconds 40

node_ready() {
  alive kwok || { log "kwok exited; see $cluster_dir/logs/kwok.log"; return 2; }
  local out
  out="$(k get node "$node_name" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status} {.spec.taints}')"
  [[ "$out" == "True " ]]
}
wait_until "node $node_name Ready and untainted" "$timeout_s" node_ready
wait_until "ServiceAccount default/default" "$timeout_s" k get serviceaccount default -n default
wait_until "all $pv_count PersistentVolumes Available" "$timeout_s" \
  bash -c '[[ "$("$@" get pv -l kube-pod-env.io/test-volume=true -o "jsonpath={range .items[*]}{.status.phase}{\"\n\"}{end}" | grep -c "^Available$")" == "$0" ]]' \
  "$pv_count" "$bin/kubectl" --kubeconfig "$admin_kubeconfig" --request-timeout=20s

trap - ERR

cat >"$cluster_dir/env" <<EOF
# Written by start.sh; source it to use the test cluster.
export KUBECONFIG=$admin_kubeconfig
export KPE_CLUSTER_DIR=$cluster_dir
export KPE_CLUSTER_BIN=$bin
export KPE_KUBECTL=$bin/kubectl
export KPE_CLUSTER_SERVER=$server
export KPE_CLUSTER_NODE=$node_name
export KPE_CLUSTER_STORAGE_CLASS=standard
export KPE_DOCKER_TCP=$docker_tcp
export KPE_EXEC_MODE=$exec_mode
export KPE_EXEC_CONTAINER=$exec_container
export KPE_EXEC_DAEMON_PIDFILE=${KPE_EXEC_DAEMON_PIDFILE:-}
EOF

log "cluster ready in $((SECONDS - started_at))s: $server, node $node_name, $pv_count PVs, port 2375 -> $docker_tcp, exec: $exec_mode"
echo "source $cluster_dir/env   # exports KUBECONFIG=$admin_kubeconfig"
