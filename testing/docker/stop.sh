#!/usr/bin/env bash
# Stops the Docker daemon that testing/docker/start.sh started (that PID only), within a bound.
set -euo pipefail

STATE="${KPE_DOCKER_DIR:-${TMPDIR:-/tmp}/kpe-docker}"
PIDFILE="$STATE/dockerd.pid"
WAIT_SECONDS="${KPE_DOCKER_WAIT_SECONDS:-30}"

log() { echo "testing/docker: $*" >&2; }

if [ ! -f "$PIDFILE" ]; then log "not running (no $PIDFILE)"; exit 0; fi
pid="$(cat "$PIDFILE")"
if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
  log "not running (stale pid ${pid:-none})"; rm -f "$PIDFILE"; exit 0
fi
# Only stop it if it is the dockerd we started with this state directory.
if ! tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -- "--data-root $STATE/data"; then
  log "pid $pid is not the dockerd of $STATE; leaving it alone"; exit 1
fi
kill -TERM "$pid"
deadline=$((SECONDS + WAIT_SECONDS))
while kill -0 "$pid" 2>/dev/null; do
  if [ $SECONDS -ge $deadline ]; then
    log "dockerd $pid still running after ${WAIT_SECONDS}s; sending KILL"; kill -KILL "$pid" 2>/dev/null || true; break
  fi
  sleep 0.2
done
rm -f "$PIDFILE" "$STATE/docker.sock"
log "dockerd $pid stopped"
