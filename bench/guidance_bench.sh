#!/usr/bin/env bash
# Guidance benchmarks, one run (docs/benchmarks.md, "Guidance"): the in-process query on the real
# extracts (Google Benchmark), then GET /api/v1/guidance over HTTP at fixed rates against a
# server of the Monaco extract (or another .osm.pbf) with every facility live.
#
#   bench/guidance_bench.sh [OSM_FILE] [seconds per rate, default 10] [rates, default "2000 5000"]
# The server gets SERVER_CPUS (default 0,1) and SERVER_THREADS io threads (default 2);
# SKIP_IN_PROCESS=1 runs only the HTTP part.
set -euo pipefail
cd "$(dirname "$0")/.."
OSM=${1:-../shared/data/osm-monaco/monaco-2025-02-11.osm.pbf}
SECONDS_PER_RUN=${2:-10}
RATES=${3:-"2000 5000"}
B=build/bench
cmake --preset bench >/dev/null
cmake --build $B --target parkguide guidance_benchmark guidance_load >/dev/null

work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_log() { for _ in $(seq 1 600); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done; echo "timeout waiting for $2 in $1" >&2; cat "$1" >&2; return 1; }

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -z "${SKIP_IN_PROCESS:-}" ]; then
  echo "== 1. one query in process (p50_us, p99_us per run)"
  $B/src/guidance/guidance_benchmark --benchmark_min_time=${BENCH_MIN_TIME:-2}
fi

echo "== 2. over HTTP: $(basename "$OSM"), every facility live"
$B/parkguide import-osm "$OSM" --db "$work/city.db" >"$work/import.log"
key=$($B/parkguide source add --db "$work/city.db" --id bench --kind operator_system --scope all --interval 600 | tail -1)
port=$(free_port)
taskset -c "${SERVER_CPUS:-0,1}" $B/parkguide serve --db "$work/city.db" --port "$port" --http-rate 0 \
  --threads "${SERVER_THREADS:-2}" >"$work/serve.log" 2>&1 &
server=$!
wait_log "$work/serve.log" serving
# The server's own CPU time per request (utime + stime of the process, in clock ticks) tells
# what two dedicated cores would sustain, whatever else the shared machine is running.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
tck=$(getconf CLK_TCK)
for rate in $RATES; do
  before=$(cpu_ticks)
  out=$($B/bench/guidance_load --port "$port" --key "$key" --rate "$rate" \
    --seconds "$SECONDS_PER_RUN" --connections "${CONNECTIONS:-32}")
  after=$(cpu_ticks)
  echo "$out"
  n=$(echo "$out" | sed -E 's/.* ([0-9]+) ok, ([0-9]+) unsnappable.*/\1 \2/' | awk '{print $1 + $2}')
  python3 -c "t=($after-$before)/$tck; print(f'  server CPU {t:.2f} s for {$n} requests: {t/$n*1e6:.0f} us/request, {2*$n/t:.0f} requests/s on 2 dedicated cores')"
done
