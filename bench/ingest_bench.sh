#!/usr/bin/env bash
# Ingest and live-state benchmarks, one run, side by side (docs/benchmarks.md, "Ingest and live
# state"). Starts its own parkguide, mosquitto and redis-server on free ports in a temporary
# directory, and stops them at the end.
#
#   bench/ingest_bench.sh [seconds per HTTP/Redis run, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${1:-10}
B=build/bench
cmake --preset bench >/dev/null
cmake --build $B --target parkguide live_state_benchmark ingest_load >/dev/null
ulimit -n 8192

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_log() { for _ in $(seq 1 600); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done; echo "timeout waiting for $2 in $1" >&2; cat "$1" >&2; return 1; }

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== 1. live state, in memory, one core"
$B/src/state/live_state_benchmark --benchmark_min_time=${BENCH_MIN_TIME:-2}

echo "== city: the demo city, served without its simulated feed"
$B/parkguide demo --db "$work/city.db" --port 0 --history-days 0 >"$work/demo.log" 2>&1 &
demo=$!
wait_log "$work/demo.log" serving
kill -INT $demo
wait $demo || true
keys=()
for i in 1 2 3 4 5 6 7 8; do
  keys+=("$($B/parkguide source add --db "$work/city.db" --id "bench-$i" --scope all --interval 60 | tail -1)")
done
mqtt_key=$($B/parkguide source add --db "$work/city.db" --id mqtt-bench --scope all --interval 60 | tail -1)
port=$(free_port)
mport=$(free_port)
cat >"$work/mosquitto.conf" <<CONF
listener $mport 127.0.0.1
allow_anonymous true
persistence true
persistence_location $work/
max_queued_messages 1000000
max_inflight_messages 1000
user $(id -un)
CONF
mosquitto -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
pids+=($!)
sleep 0.5
$B/parkguide serve --db "$work/city.db" --port "$port" --http-rate 0 --ingest-rate 1e9 --mqtt "127.0.0.1:$mport" \
  >"$work/serve.log" 2>&1 &
serve=$!
pids+=($serve)
wait_log "$work/serve.log" serving
city=$(curl -s "http://127.0.0.1:$port/api/v1/city" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')

joined=$(IFS=,; echo "${keys[*]}")
echo "== 2. durable HTTP ingest, batches of 1,000 (8 connections, one source each)"
$B/bench/ingest_load http --port "$port" --keys "$joined" --batch 1000 --seconds "$SECONDS_PER_RUN"

echo "== 3. the same observations into Redis, batches of 1,000, 8 connections: not durable"
echo "   (--appendonly no), then durable as parkguide is (--appendonly yes --appendfsync always:"
echo "   the AOF is fsync'd before the replies); each batched as pipelined HSETs, MULTI/EXEC, and"
echo "   one HSET command per batch"
for durability in "--appendonly no" "--appendonly yes --appendfsync always"; do
  rport=$(free_port)
  mkdir -p "$work/redis-$rport"
  # shellcheck disable=SC2086
  redis-server --port "$rport" --bind 127.0.0.1 --save '' --dir "$work/redis-$rport" $durability \
    >"$work/redis-$rport.log" 2>&1 &
  rpid=$!
  sleep 0.5
  for batching in pipeline multi one; do
    echo -n "redis $durability: "
    $B/bench/ingest_load redis --port "$rport" --connections 8 --batch 1000 \
      --batching "$batching" --seconds "$SECONDS_PER_RUN"
  done
  kill "$rpid"
  wait "$rpid" 2>/dev/null || true
done

echo "== 4. MQTT ingest through mosquitto (QoS 1, batches of 100 per message)"
$B/bench/ingest_load mqtt --port "$port" --broker-port "$mport" --city "$city" --source mqtt-bench \
  --key "$mqtt_key" --messages 3000 --batch 100

echo "== 5. acknowledged observation → SSE event delivered, 1,000 connected clients"
$B/bench/ingest_load sse --port "$port" --key "${keys[0]}" --clients 1000 --events 300

grep -E "journal|WARN|W 20" "$work/serve.log" | head -5 || true
