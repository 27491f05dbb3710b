#!/usr/bin/env bash
# Starts a private Docker daemon for the tests and benchmarks, installing it first if needed.
#
#   testing/docker/start.sh        # idempotent: says so when the daemon already answers
#   . "${KPE_DOCKER_DIR:-${TMPDIR:-/tmp}/kpe-docker}/env"   # KPE_TEST_DOCKER_HOST, KPE_DOCKER_TCP
#
# The daemon listens on a unix socket in the state directory and on 127.0.0.1 only, has no
# bridge network and no iptables rules (containers run with --network none), stores images with
# the vfs driver, and gets a local busybox image (kpe-test/busybox:latest) because no registry
# is reachable. Stop it with testing/docker/stop.sh, which ends exactly the process it started.
#
# KPE_DOCKER_PRIVATE_DIRS (colon-separated absolute directories): the daemon then runs in a mount namespace of its
# own in which each of them is an empty tmpfs. The daemon, and commands entered into its namespace
# (nsenter -t "$(cat "$KPE_DOCKER_DIR/dockerd.pid")" -m), see those instead of this machine's directories, as a Docker
# server in a pod does not see the files of the machine that talks to it: bind mounts of a test's working directory
# then come out empty unless the test copied the files into the daemon's view. Needs root (unshare, mount).
set -euo pipefail

STATE="${KPE_DOCKER_DIR:-${TMPDIR:-/tmp}/kpe-docker}"
TCP_PORT="${KPE_DOCKER_TCP_PORT:-23750}"
IMAGE="${KPE_TEST_IMAGE:-kpe-test/busybox:latest}"
WAIT_SECONDS="${KPE_DOCKER_WAIT_SECONDS:-60}"
PRIVATE_DIRS="${KPE_DOCKER_PRIVATE_DIRS:-}"
SOCK="$STATE/docker.sock"
PIDFILE="$STATE/dockerd.pid"
LOG="$STATE/dockerd.log"
HERE="$(cd "$(dirname "$0")" && pwd)"

log() { echo "testing/docker: $*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else
    log "need root to run: $*"; return 1; fi
}

install_packages() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v busybox >/dev/null || [ -x /bin/busybox ] || missing+=(busybox-static)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
  command -v dockerd >/dev/null || { log "dockerd is still missing after installing docker.io"; exit 1; }
}

# A docker client: the one on PATH if any, else none (we then talk HTTP through curl).
docker_cli() { DOCKER_HOST="unix://$SOCK" docker "$@"; }

ping_daemon() {
  if command -v curl >/dev/null; then
    [ "$(curl -s --max-time 2 --unix-socket "$SOCK" http://docker/_ping 2>/dev/null || true)" = OK ]
  else
    docker_cli version >/dev/null 2>&1
  fi
}

# The PID of our dockerd: alive, and its command line names this state directory (a pid file left by a daemon that
# was killed may name a zombie or a reused PID of another process: that is not ours, and is forgotten).
running_pid() {
  [ -f "$PIDFILE" ] || return 1
  local pid; pid="$(cat "$PIDFILE")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -- "--data-root $STATE/data" || return 1
  echo "$pid"
}

# The private directories of the running daemon, as it recorded them when it started (empty: none).
private_dirs_of_running() { cat "$STATE/private-dirs" 2>/dev/null || true; }

write_env() {
  cat > "$STATE/env" <<ENV
KPE_TEST_DOCKER_HOST=unix://$SOCK
KPE_DOCKER_TCP=127.0.0.1:$TCP_PORT
KPE_TEST_IMAGE=$IMAGE
KPE_DOCKER_PRIVATE_DIRS=$(private_dirs_of_running)
KPE_DOCKER_PID=$(running_pid || true)
ENV
}

import_busybox() {
  if docker_cli image inspect "$IMAGE" >/dev/null 2>&1; then return 0; fi
  local busybox; busybox="$(command -v busybox || echo /bin/busybox)"
  local root="$STATE/busybox-root"
  rm -rf "$root"; mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/root"
  cp "$busybox" "$root/bin/busybox"
  chroot "$root" /bin/busybox --install -s /bin 2>/dev/null || {
    # no chroot rights: make the applet links by hand
    for applet in $("$busybox" --list); do ln -sf busybox "$root/bin/$applet"; done
  }
  echo 'root:x:0:0:root:/root:/bin/sh' > "$root/etc/passwd"
  echo 'root:x:0:' > "$root/etc/group"
  chmod 1777 "$root/tmp"
  tar -C "$root" -c . | docker_cli import -c 'CMD ["/bin/sh"]' -c 'ENV PATH=/bin' - "$IMAGE" >/dev/null
  rm -rf "$root"
  log "imported $IMAGE"
}

mkdir -p "$STATE"
install_packages

if pid="$(running_pid)" && ping_daemon; then
  if [ "$PRIVATE_DIRS" != "$(private_dirs_of_running)" ]; then
    log "warning: the running daemon has private directories '$(private_dirs_of_running)', not '$PRIVATE_DIRS'" \
      "(stop it with stop.sh to change them)"
  fi
  write_env
  import_busybox
  log "dockerd already running (pid $pid) on unix://$SOCK and tcp://127.0.0.1:$TCP_PORT"
  exit 0
fi

if pid="$(running_pid)"; then
  log "dockerd pid $pid does not answer; stopping it first"
  "$HERE/stop.sh"
fi

rm -f "$SOCK" "$PIDFILE" "$STATE/private-dirs"
mkdir -p "$STATE/data" "$STATE/exec"
launcher=()
if [ -n "$PRIVATE_DIRS" ]; then
  command -v unshare >/dev/null || { log "KPE_DOCKER_PRIVATE_DIRS needs unshare (util-linux)"; exit 1; }
  IFS=: read -r -a dirs <<< "$PRIVATE_DIRS"
  for d in "${dirs[@]}"; do
    case "$d" in
      /*) ;;
      *) log "KPE_DOCKER_PRIVATE_DIRS: '$d' is not an absolute directory"; exit 1 ;;
    esac
    case "$STATE/" in
      "$d"/*) log "KPE_DOCKER_PRIVATE_DIRS: '$d' contains the state directory $STATE, which the daemon needs"; exit 1 ;;
    esac
    mkdir -p "$d"
  done
  # A private mount namespace (no propagation back to this machine) with a tmpfs over each directory; exec keeps the
  # PID, so the pid file and stop.sh name dockerd itself.
  launcher=(unshare --mount --propagation private -- sh -c \
    'IFS=:; for d in $0; do mount -t tmpfs -o mode=0755 kpe-private "$d" || exit 1; done; unset IFS; exec "$@"' \
    "$PRIVATE_DIRS")
  echo "$PRIVATE_DIRS" > "$STATE/private-dirs"
fi
# setsid: the daemon must outlive this script and not receive the caller's terminal signals.
setsid "${launcher[@]}" dockerd \
  --iptables=false --ip6tables=false --bridge=none --storage-driver=vfs \
  --data-root "$STATE/data" --exec-root "$STATE/exec" --pidfile "$PIDFILE" \
  -H "unix://$SOCK" -H "tcp://127.0.0.1:$TCP_PORT" \
  >"$LOG" 2>&1 < /dev/null &
started=$!

deadline=$((SECONDS + WAIT_SECONDS))
until ping_daemon; do
  if ! kill -0 "$started" 2>/dev/null; then
    log "dockerd exited during start; last lines of $LOG:"; tail -20 "$LOG" >&2; exit 1
  fi
  if [ $SECONDS -ge $deadline ]; then
    log "dockerd did not answer on unix://$SOCK within ${WAIT_SECONDS}s; see $LOG"
    kill "$started" 2>/dev/null || true
    exit 1
  fi
  sleep 0.2
done
# dockerd writes its own pidfile; keep the PID we started in case it differs in format.
echo "$started" > "$PIDFILE"
write_env
import_busybox
log "dockerd started (pid $started) on unix://$SOCK and tcp://127.0.0.1:$TCP_PORT; env in $STATE/env"
