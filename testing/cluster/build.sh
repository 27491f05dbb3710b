#!/usr/bin/env bash
# Builds the local control plane (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kubectl, kwok) from the Go modules pinned under tools/, once, into
#   ${KPE_CACHE_DIR:-$HOME/.cache/kube-pod-env}/cluster/<key>/bin
# where <key> is a hash of the pinned go.mod/go.sum files, this script's build flags
# and the Go toolchain version. Binaries already in that directory are reused.
#
# Prints the bin directory on the last line of stdout, so callers can do
#   bin=$(testing/cluster/build.sh | tail -n1)
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

# name|module dir|package|ldflags
targets=(
  "etcd|kubernetes|go.etcd.io/etcd/server/v3|-s -w"
  "kube-apiserver|kubernetes|k8s.io/kubernetes/cmd/kube-apiserver|$k8s_ldflags"
  "kube-controller-manager|kubernetes|k8s.io/kubernetes/cmd/kube-controller-manager|$k8s_ldflags"
  "kube-scheduler|kubernetes|k8s.io/kubernetes/cmd/kube-scheduler|$k8s_ldflags"
  "kubectl|kubernetes|k8s.io/kubernetes/cmd/kubectl|$k8s_ldflags"
  "kwok|kwok|sigs.k8s.io/kwok/cmd/kwok|-s -w"
  "kwokstages|kwok|./kwokstages|-s -w"
)

key="$(
  {
    go env GOVERSION GOOS GOARCH
    # Every file that decides what gets built: module pins and our own Go sources.
    (cd "$tools" && find . -type f \( -name go.mod -o -name go.sum -o -name '*.go' \) | LC_ALL=C sort | xargs sha256sum)
    printf '%s\n' "${targets[@]}"
  } | sha256sum | cut -c1-16
)"
cache_root="${KPE_CACHE_DIR:-$HOME/.cache/kube-pod-env}"
key_dir="$cache_root/cluster/$key"
bin="$key_dir/bin"
logs="${KPE_BUILD_LOG_DIR:-$key_dir/logs}"
mkdir -p "$bin" "$logs"

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

now() { date +%s; }
total_start=$(now)
built=0
for t in "${targets[@]}"; do
  IFS='|' read -r name moddir pkg ldflags <<<"$t"
  if [[ -x "$bin/$name" ]]; then
    echo "cached  $name" >&2
    continue
  fi
  start=$(now)
  echo "build   $name ($pkg), log: $logs/$name.log" >&2
  if ! (cd "$tools/$moddir" && go build -p "${KPE_BUILD_PARALLELISM:-2}" -trimpath \
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
