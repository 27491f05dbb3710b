#!/usr/bin/env bash
# Tunnel benchmark: direct loopback vs the kpe tunnel vs a Preevy-style forwarder (@kubernetes/client-node, one
# websocket per connection), through one API-server stand-in (the fabric8 mock server's port-forward bridged to a
# local TCP server). Every transfer is checked end to end (CRC32C and length). Each forwarder runs in a process of
# its own; the CPU time it spends per GiB is reported. Prints Markdown tables on stdout.
#
#   bench/tunnel/run.sh [--sizes 256m,4g] [--round-trips 2000]
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
cd "$ROOT"

if [ ! -d "$HERE/node_modules/@kubernetes/client-node" ]; then
  (cd "$HERE" && npm install --no-audit --no-fund >&2)
fi
mvn -q -B -pl engine -am test-compile >&2
CP_FILE="$(mktemp)"
trap 'rm -f "$CP_FILE"' EXIT
mvn -q -B -pl engine dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$CP_FILE" >&2
CP="engine/target/test-classes:engine/target/classes:$(cat "$CP_FILE")"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB RAM; $(java -version 2>&1 | head -1); node $(node --version)" >&2
exec java -Xmx2g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -Djava.util.logging.config.file=/dev/null \
  -cp "$CP" io.kubepodenv.engine.testing.PortForwardBenchmark --baseline-dir "$HERE" "$@"
