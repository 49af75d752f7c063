#!/usr/bin/env bash
# One city on 1, 2 and 3 nodes (a PostgreSQL store and a NATS JetStream bus shared by the nodes)
# and, in the same run, on one box (the SQLite store and the local journal): durable HTTP ingest
# and guidance throughput, in all and per node (docs/benchmarks.md, "Scale-out").
#
#   bench/scale_out_bench.sh [seconds per run, default 10] [guidance rate per node, default 1500]
#
# Everything runs on this machine: PostgreSQL (fsync on, as in production), one NATS server
# (REPLICAS=3 starts a three-server cluster), the nodes and the load tools share its cores, so
# the figures say what the design costs, not what more machines would give. Starts its own
# servers on free ports in a temporary directory and stops them at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${1:-10}
GUIDANCE_RATE=${2:-1500}
REPLICAS=${REPLICAS:-1}
B=${B:-build/bench}
if [ -z "${SKIP_BUILD:-}" ]; then
  cmake --preset bench >/dev/null
  cmake --build $B --target parkguide ingest_load guidance_load >/dev/null
fi
ulimit -n 8192

work=$(mktemp -d)
chmod 755 "$work"
pids=()
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  as_postgres "$PGBIN/pg_ctl" -D "$work/pg/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_log() { for _ in $(seq 1 1200); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done; echo "timeout waiting for $2 in $1" >&2; tail -20 "$1" >&2; return 1; }

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%F %T') UTC"

echo "== the demo city, generated once; the one-box copy and the PostgreSQL copy from the same files"
mkdir -p "$work/box" "$work/n1" "$work/n2" "$work/n3" "$work/pg"
$B/parkguide demo --db "$work/box/city.db" --port 0 --history-days 0 >"$work/demo.log" 2>&1 &
demo=$!
wait_log "$work/demo.log" serving
kill -INT $demo
wait $demo || true
files="$work/box/city.db.files"

[ "$(id -u)" = 0 ] && chown postgres: "$work/pg"
as_postgres "$PGBIN/initdb" -D "$work/pg/data" -U postgres --auth=trust -E UTF8 --no-locale >/dev/null
pgport=$(free_port)
as_postgres "$PGBIN/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" -w \
  -o "-p $pgport -k $work/pg -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
STORE="postgresql://postgres@127.0.0.1:$pgport/postgres?options=-csearch_path%3Dcity%2Cpublic"
$B/parkguide import-registry "$files"/survey/*.csv --db "$work/n1/city.db" --store "$STORE" >"$work/import.log" 2>&1
$B/parkguide import-osm "$files/demoville.osm.pbf" --db "$work/n1/city.db" --store "$STORE" --quiet \
  --city-name "示范城 (演示)|Demoville (demo)" >>"$work/import.log" 2>&1 || { cat "$work/import.log"; exit 1; }
cp "$work/n1/city.graph" "$work/n2/"
cp "$work/n1/city.graph" "$work/n3/"
keys_box=(); keys_pg=()
for i in 1 2 3 4 5 6; do
  keys_box+=("$($B/parkguide source add --db "$work/box/city.db" --id "bench-$i" --scope all --interval 600 | tail -1)")
  keys_pg+=("$($B/parkguide source add --db "$work/n1/city.db" --store "$STORE" --id "bench-$i" --scope all --interval 600 | tail -1)")
done

bus=""
if [ "$REPLICAS" = 3 ]; then
  routes=""; for i in 1 2 3; do r[$i]=$(free_port); c[$i]=$(free_port); routes+="${routes:+, }nats-route://127.0.0.1:${r[$i]}"; done
  for i in 1 2 3; do
    mkdir -p "$work/nats$i"
    printf 'server_name: b%s\nlisten: 127.0.0.1:%s\njetstream { store_dir: %s }\ncluster { name: bench\n listen: 127.0.0.1:%s\n routes: [%s] }\n' \
      "$i" "${c[$i]}" "$work/nats$i/store" "${r[$i]}" "$routes" >"$work/nats$i/nats.conf"
    nats-server -c "$work/nats$i/nats.conf" >"$work/nats$i/log" 2>&1 &
    pids+=($!)
    bus+="${bus:+,}nats://127.0.0.1:${c[$i]}"
  done
  sleep 3
else
  nport=$(free_port)
  nats-server -js -sd "$work/nats" -a 127.0.0.1 -p "$nport" >"$work/nats.log" 2>&1 &
  pids+=($!)
  bus="nats://127.0.0.1:$nport"
  sleep 1
fi

# run_load LABEL PORT... : ingest, then guidance, against every port at once; one line each.
run_load() {
  local label=$1; shift
  local ports=("$@") n=$#
  local i=0 outs=()
  for port in "${ports[@]}"; do
    # The six sources split over the nodes, one connection each.
    local mine=()
    for k in $(seq $i $n 5); do mine+=("${keys[$k]}"); done
    (IFS=,; $B/bench/ingest_load http --port "$port" --keys "${mine[*]}" --batch 1000 --seconds "$SECONDS_PER_RUN") >"$work/ingest-$i.txt" 2>&1 &
    outs+=($!)
    i=$((i + 1))
  done
  wait "${outs[@]}" || true
  python3 - "$label" "$work" "$n" <<'PY'
import re, sys, glob
label, work, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
total = 0.0; per = []
for i in range(n):
    text = open(f"{work}/ingest-{i}.txt").read()
    m = re.search(r"obs_per_s=([\d.]+) request_ms_p50=([\d.]+) p99=([\d.]+)", text)
    if not m:
        print(text); per.append("?"); continue
    total += float(m.group(1))
    per.append(f"{float(m.group(1)):,.0f} (batch p50 {m.group(2)} ms, p99 {m.group(3)} ms)")
print(f"{label}: durable ingest {total:,.0f} obs/s in all; per node: " + "; ".join(per))
PY
  i=0; outs=()
  for port in "${ports[@]}"; do
    $B/bench/guidance_load --port "$port" --key "${keys[$i]}" --rate "$GUIDANCE_RATE" --seconds "$SECONDS_PER_RUN" --connections 16 >"$work/guidance-$i.txt" 2>&1 &
    outs+=($!)
    i=$((i + 1))
  done
  wait "${outs[@]}" || true
  for j in $(seq 0 $((n - 1))); do echo "$label node $((j + 1)): $(cat "$work/guidance-$j.txt")"; done
}

echo "== one box: SQLite store, local journal"
keys=("${keys_box[@]}")
port=$(free_port)
$B/parkguide serve --db "$work/box/city.db" --port "$port" --http-rate 0 --ingest-rate 1e9 >"$work/box.log" 2>&1 &
box=$!
wait_log "$work/box.log" serving
run_load "1 box (SQLite)" "$port"
kill $box; wait $box 2>/dev/null || true

keys=("${keys_pg[@]}")
for nodes in 1 2 3; do
  echo "== $nodes node(s): PostgreSQL store, NATS bus (replicas $REPLICAS)"
  ports=(); node_pids=()
  for n in $(seq 1 $nodes); do
    p=$(free_port)
    $B/parkguide serve --db "$work/n$n/city.db" --store "$STORE" --bus "$bus" --bus-replicas "$REPLICAS" \
      --port "$p" --http-rate 0 --ingest-rate 1e9 >"$work/node$n-$nodes.log" 2>&1 &
    node_pids+=($!)
    wait_log "$work/node$n-$nodes.log" serving
    ports+=("$p")
  done
  run_load "$nodes node(s)" "${ports[@]}"
  for p in "${node_pids[@]}"; do kill "$p"; done
  wait "${node_pids[@]}" 2>/dev/null || true
done
