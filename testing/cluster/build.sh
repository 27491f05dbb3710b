#!/usr/bin/env bash
# Builds the local control plane (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kubectl, kwok) from the Go modules pinned under tools/, once, into
#   ${KPE_CACHE_DIR:-$HOME/.cache/kube-pod-env}/cluster/<key>/bin
# where <key> is a hash of everything under tools/ (module pins, our Go sources, the
# kwok patch), of this script and of the Go toolchain version. Binaries already in
# that directory are reused; a new pin or patch gets a new directory.
#
# Prints the bin directory on the last line of stdout, so callers can do
#   bin=$(testing/cluster/build.sh | tail -n1)
#
# Usage: build.sh [--prune]   --prune also deletes other keys' directories under
#                             the cache root (builds of earlier pins).
#
# Environment:
#   KPE_CACHE_DIR          cache root (default $HOME/.cache/kube-pod-env)
#   KPE_BUILD_PARALLELISM  go build -p value (default 2; builds run one binary at a time)
#   KPE_BUILD_LOG_DIR      where per-binary build logs go (default <key>/logs)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tools="$here/tools"

command -v go >/dev/null || { echo "build.sh: 'go' is not on PATH (Go >= 1.26 is needed)" >&2; exit 1; }

k8s_version=v1.36.3 # keep in sync with tools/kubernetes/go.mod
etcd_version=v3.6.8 # keep in sync with tools/kubernetes/go.mod
kwok_version=v0.8.0 # keep in sync with tools/kwok/go.mod

# Version stamps, so `kubectl version` and the apiserver's /version report the pin
# instead of v0.0.0-master. The compatibility version the apiserver uses is compiled
# in (component-base DefaultKubeBinaryVersion) and is not affected by these.
k8s_minor="${k8s_version#v1.}"; k8s_minor="${k8s_minor%%.*}"
k8s_ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  k8s_ldflags+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$k8s_minor"
  k8s_ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done

# name|module dir|package|ldflags[|overlay: build with the patched kwok, see below]
targets=(
  "etcd|kubernetes|go.etcd.io/etcd/server/v3|-s -w"
  "kube-apiserver|kubernetes|k8s.io/kubernetes/cmd/kube-apiserver|$k8s_ldflags"
  "kube-controller-manager|kubernetes|k8s.io/kubernetes/cmd/kube-controller-manager|$k8s_ldflags"
  "kube-scheduler|kubernetes|k8s.io/kubernetes/cmd/kube-scheduler|$k8s_ldflags"
  "kubectl|kubernetes|k8s.io/kubernetes/cmd/kubectl|$k8s_ldflags"
  "kwok|kwok|sigs.k8s.io/kwok/cmd/kwok|-s -w|overlay"
  "kwokstages|kwok|./kwokstages|-s -w"
)

key="$(
  {
    go env GOVERSION GOOS GOARCH
    # Every file that decides what gets built: module pins, our own Go sources and
    # patches, and this script (flags, version stamps, patch steps).
    (cd "$tools" && find . -type f | LC_ALL=C sort | xargs sha256sum)
    sha256sum <"$here/build.sh"
  } | sha256sum | cut -c1-16
)"
cache_root="${KPE_CACHE_DIR:-$HOME/.cache/kube-pod-env}"
key_dir="$cache_root/cluster/$key"
bin="$key_dir/bin"
logs="${KPE_BUILD_LOG_DIR:-$key_dir/logs}"
mkdir -p "$bin" "$logs"

for arg in "$@"; do
  case "$arg" in
    --prune)
      for d in "$cache_root"/cluster/*/; do
        d="${d%/}"
        if [[ "$d" != "$key_dir" && -f "$d/versions.txt" ]]; then
          echo "prune   $d" >&2
          rm -rf -- "$d"
        fi
      done
      ;;
    *) echo "build.sh: unknown argument '$arg' (expected --prune)" >&2; exit 2 ;;
  esac
done

# One build at a time per cache key (two test runs starting together must not race).
exec 9>"$key_dir/.build.lock"
if ! flock -w 3600 9; then
  echo "build.sh: timed out after 1h waiting for another build of $key_dir" >&2
  exit 1
fi

cat > "$key_dir/versions.txt" <<EOF
kubernetes $k8s_version
etcd $etcd_version
kwok $kwok_version
$(go env GOVERSION) $(go env GOOS)/$(go env GOARCH)
EOF

# kwok v0.8.0 needs three fixes to behave like a kubelet. They are applied
# to a copy of the kwok module made from the module cache into the cache key
# directory (nothing of kwok is kept in this repository), and kwok is built with a
# generated -modfile that replaces sigs.k8s.io/kwok by that copy:
#  - pkg/utils/exec/exec.go copies the request's stdin into the command's stdin
#    pipe but never closes the pipe, so `kubectl exec -i ... cat` (or tar) never sees
#    end of input; close it once the copy ends;
#  - pkg/kwok/server/debugging_exec.go returns a command's non-zero exit as a plain
#    error, which the streaming server reports as an internal error (kubectl exits 1);
#    wrap it with kpeExitCode so the exit code reaches the client.
#  - pkg/kwok/server/debugging_port_forword.go keeps a port-forward open until both
#    directions end, but a websocket client cannot end its side, so after the target
#    (dockerd) closes a connection the client never sees it closed; kpeForward ends
#    the forward when the target is done, as a kubelet does.
# One addition, for start.sh's docker exec mode: debugging_exec.go passes every
# exec command through kpeExecWrapper, which prefixes it with $KPE_EXEC_WRAPPER when
# that is set in kwok's environment. Our functions are in
# tools/kwok/patches/kpe_streams.go.in.
# Prints the go build flag to use.
patched_kwok() {
  local src copy="$key_dir/kwok-src" modfile="$key_dir/kwok-build.mod"
  src="$(cd "$tools/kwok" && go mod download sigs.k8s.io/kwok && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)"
  rm -rf "$copy"
  cp -R "$src" "$copy"
  chmod -R u+w "$copy"
  sed -i 's/^\([[:space:]]*\)_, _ = io.Copy(inPipe, opt.In)$/&\n\1_ = inPipe.Close()/' \
    "$copy/pkg/utils/exec/exec.go"
  sed -i -e 's/return \(s.execInContainer(ctx, cmd, in, stdout, stderr)\)$/return kpeExitCode(\1)/' \
    -e 's/return \(s.execInContainerWithTTY(ctx, cmd, in, stdout, resize)\)$/return kpeExitCode(\1)/' \
    "$copy/pkg/kwok/server/debugging_exec.go"
  sed -i 's/^\([[:space:]]*\)podName, podNamespace := pod\[0\], pod\[1\]$/&\n\1ctx, cmd = kpeExecWrapper(ctx, podNamespace, podName, container, cmd)/' \
    "$copy/pkg/kwok/server/debugging_exec.go"
  sed -i -e 's/^\([[:space:]]*\)return utilsnet.Tunnel(ctx, stream, dial, buf1, buf2)$/\1return kpeForward(ctx, stream, dial)/' \
    -e '/^[[:space:]]*utilsnet "sigs.k8s.io\/kwok\/pkg\/utils\/net"$/d' \
    "$copy/pkg/kwok/server/debugging_port_forword.go"
  cp "$tools/kwok/patches/kpe_streams.go.in" "$copy/pkg/kwok/server/kpe_streams.go"
  # Fail loudly if a newer kwok moved the code these edits expect.
  if ! grep -q '_ = inPipe.Close()' "$copy/pkg/utils/exec/exec.go" ||
    [[ "$(grep -c 'return kpeExitCode(s.execInContainer' "$copy/pkg/kwok/server/debugging_exec.go")" != 2 ]] ||
    [[ "$(grep -c 'ctx, cmd = kpeExecWrapper(' "$copy/pkg/kwok/server/debugging_exec.go")" != 1 ]] ||
    [[ "$(grep -c 'return kpeForward(ctx, stream, dial)' "$copy/pkg/kwok/server/debugging_port_forword.go")" != 1 ]] ||
    grep -q 'utilsnet' "$copy/pkg/kwok/server/debugging_port_forword.go"; then
    echo "build.sh: the kwok exec patches no longer apply to $src" >&2
    return 1
  fi
  { cat "$tools/kwok/go.mod"; echo; echo "replace sigs.k8s.io/kwok => $copy"; } >"$modfile"
  cp "$tools/kwok/go.sum" "${modfile%.mod}.sum"
  echo "-modfile=$modfile"
}

now() { date +%s; }
total_start=$(now)
built=0
for t in "${targets[@]}"; do
  IFS='|' read -r name moddir pkg ldflags extra <<<"$t"
  if [[ -x "$bin/$name" ]]; then
    echo "cached  $name" >&2
    continue
  fi
  start=$(now)
  echo "build   $name ($pkg), log: $logs/$name.log" >&2
  overlay=()
  if [[ "${extra:-}" == overlay ]]; then
    ov="$(patched_kwok)" || exit 1
    overlay=("$ov")
  fi
  if ! (cd "$tools/$moddir" && go build -p "${KPE_BUILD_PARALLELISM:-2}" -trimpath "${overlay[@]}" \
          -ldflags="$ldflags" -o "$bin/.$name.tmp" "$pkg") >"$logs/$name.log" 2>&1; then
    echo "build.sh: building $name failed; last lines of $logs/$name.log:" >&2
    tail -n 30 "$logs/$name.log" >&2
    rm -f "$bin/.$name.tmp"
    exit 1
  fi
  mv -f "$bin/.$name.tmp" "$bin/$name"
  built=$((built + 1))
  echo "built   $name in $(( $(now) - start ))s" >&2
done
echo "done    $built built, $(( ${#targets[@]} - built )) cached, $(( $(now) - total_start ))s total; bin: $bin" >&2
echo "$bin"
