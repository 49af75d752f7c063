#!/usr/bin/env bash
# Cost curves (docs/benchmarks.md, "Cost curves"): how each cost grows with the city. For each
# size, a generated city (`parkguide generate-city`, the demo's pattern grown to the size) goes
# through the path any city takes, and every step is timed:
#   generate · import-osm (car parks and the road graphs; the graph build's own time from its
#   report) · import-registry · serve: start to /health, resident memory (VmRSS, VmHWM) ·
#   guidance: GET /api/v1/guidance at a fixed rate (guidance_load), latency and the server's
#   CPU per request · durable HTTP ingest (ingest_load http) · the weekly report (HTML)
# One CSV line per size, then a markdown table and an SVG plot (gnuplot).
#
#   bench/cost_curves.sh [SIZES]     SIZES: "FACILITIES:ROAD_NODES ...", default
#                                    "100:10000 1000:10000 300:30000 3000:15000 10000:50000 1000:100000"
# The default stops at 10⁵ road nodes: importing the grid of 10⁶ takes about 65 minutes on a
# 2-vCPU machine (its graph build), the compound city of 10⁶ under 3 (docs/benchmarks.md, "Cost
# curves"); give "10000:1000000" to run it.
# STREETS=compounds generates the streets between the arterials as gated compounds (封闭小区;
# `generate-city --streets`), SHAPE_POINTS=N bends every half block face with N shape points
# (`--shape-points`); either writes its own CSV, table and plot (cost-curves-compounds-shape1.*).
# Environment: B (build directory, default build/bench; SKIP_BUILD=1 uses it as it is),
# OUT (results, default docs/cost-curves), PLOT (default docs/img/cost-curves.svg),
# RATE (guidance requests/s, default 200), SECONDS_PER_RUN (default 10), KEEP=1 keeps the work
# directory.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${1:-"100:10000 1000:10000 300:30000 3000:15000 10000:50000 1000:100000"}
B=${B:-build/bench}
OUT=${OUT:-docs/cost-curves}
STREETS=${STREETS:-grid}
SHAPE_POINTS=${SHAPE_POINTS:-0}
suffix=$([ "$STREETS" = grid ] || echo "-$STREETS")$([ "$SHAPE_POINTS" = 0 ] || echo "-shape$SHAPE_POINTS")
PLOT=${PLOT:-docs/img/cost-curves$suffix.svg}
RATE=${RATE:-200}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-10}
if [ -z "${SKIP_BUILD:-}" ]; then
  [ -f "$B/build.ninja" ] || cmake --preset bench -B "$B" >/dev/null
  nice -n 5 ninja -C "$B" -j"${JOBS:-1}" parkguide guidance_load ingest_load >/dev/null
fi
PG=$B/parkguide
ulimit -n 8192

work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  if [ -z "${KEEP:-}" ]; then rm -rf "$work"; else echo "work directory kept: $work"; fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Runs a command with its output into LOG; prints "<wall seconds> <peak RSS MB>". A failure
# shows the log's end and stops the run.
measure() {
  local log=$1
  shift
  python3 - "$log" "$@" <<'PY'
import resource, subprocess, sys, time
log, cmd = sys.argv[1], sys.argv[2:]
start = time.monotonic()
with open(log, "w") as out:
    code = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT).returncode
wall = time.monotonic() - start
if code != 0:
    sys.stderr.write(f"{' '.join(cmd)}: exit {code}\n" + open(log).read()[-3000:])
    sys.exit(1)
print(f"{wall:.2f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f}")
PY
}

status_mb() { awk -v k="$2:" '$1 == k {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

mkdir -p "$OUT" "$(dirname "$PLOT")"
csv=$OUT/cost-curves$suffix.csv
echo "facilities,road_nodes,graph_nodes,bays,chargers,signs,generate_s,generate_mb,import_osm_s,import_osm_mb,graph_build_s,car_search_nodes,car_contraction_s,graph_mb,import_registry_s,import_registry_mb,startup_s,rss_ready_mb,guidance_rate,guidance_p50_ms,guidance_p99_ms,guidance_cpu_us,guidance_per_s_2cores,rss_after_guidance_mb,hwm_mb,ingest_obs_per_s,ingest_p99_ms,report_s,report_mb,load_avg" >"$csv"

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
for size in $SIZES; do
  facilities=${size%%:*}
  road_nodes=${size##*:}
  dir=$work/$facilities-$road_nodes
  mkdir -p "$dir"
  echo "== $facilities facilities, $road_nodes road nodes, $STREETS, $SHAPE_POINTS shape points (load $(cut -d' ' -f1 /proc/loadavg))"
  read -r gen_s gen_mb < <(measure "$dir/generate.log" "$PG" generate-city --facilities "$facilities" \
    --road-nodes "$road_nodes" --streets "$STREETS" --shape-points "$SHAPE_POINTS" --out "$dir/city")
  head -1 "$dir/generate.log"
  counts=$(sed -nE 's/.*: ([0-9]+) road nodes, .* ([0-9]+) bays, ([0-9]+) chargers, ([0-9]+) signs.*/\1 \2 \3 \4/p' "$dir/generate.log")
  read -r grid_nodes bays chargers signs <<<"$counts"
  read -r osm_s osm_mb < <(measure "$dir/import-osm.log" "$PG" import-osm "$dir/city/gencity.osm.pbf" \
    --db "$dir/city.db" --quiet --city-name "生成城|Generated city" --time-zone Asia/Shanghai)
  # import-osm builds the graphs as build-roads does; its report says what that took.
  graph_s=$(sed -nE 's/.*graph file .*build ([0-9.]+) s.*/\1/p' "$dir/import-osm.log")
  car_nodes=$(grep -A1 '^car graph' "$dir/import-osm.log" | sed -nE 's/.*search nodes ([0-9]+).*/\1/p')
  car_ch_s=$(grep -A2 '^car graph' "$dir/import-osm.log" | sed -nE 's/.*contraction: ([0-9.]+) s.*/\1/p')
  graph_mb=$(du -m "$dir/city.graph" | cut -f1)
  read -r reg_s reg_mb < <(measure "$dir/import-registry.log" "$PG" import-registry "$dir/city/survey" \
    --db "$dir/city.db")
  echo "   generate ${gen_s}s ${gen_mb}MB · import-osm ${osm_s}s ${osm_mb}MB (graph build ${graph_s}s, car contraction ${car_ch_s}s over ${car_nodes} search nodes; file ${graph_mb}MB) · import-registry ${reg_s}s ${reg_mb}MB"

  keys=()
  for i in 1 2 3 4; do
    keys+=("$("$PG" source add --db "$dir/city.db" --id "bench-$i" --kind operator_system --scope all --interval 600 | tail -1)")
  done
  port=$(free_port)
  start=$(date +%s.%N)
  "$PG" serve --db "$dir/city.db" --port "$port" --http-rate 0 --ingest-rate 1e9 >"$dir/serve.log" 2>&1 &
  server=$!
  until curl -sf "http://127.0.0.1:$port/health" >/dev/null; do
    kill -0 "$server" 2>/dev/null || { cat "$dir/serve.log"; exit 1; }
    sleep 0.05
  done
  startup_s=$(python3 -c "import time; print(f'{time.time() - $start:.2f}')")
  rss_ready=$(status_mb "$server" VmRSS)
  echo "   serve: /health after ${startup_s}s, VmRSS ${rss_ready}MB"

  before=$(cpu_ticks "$server")
  guidance=$("$B/bench/guidance_load" --port "$port" --key "${keys[0]}" --rate "$RATE" \
    --seconds "$SECONDS_PER_RUN" --connections 16)
  after=$(cpu_ticks "$server")
  echo "   $guidance"
  p50=$(sed -nE 's/.*p50 ([0-9.]+) ms.*/\1/p' <<<"$guidance")
  p99=$(sed -nE 's/.*p99 ([0-9.]+) ms.*/\1/p' <<<"$guidance")
  answered=$(sed -nE 's/.* ([0-9]+) ok, ([0-9]+) unsnappable.*/\1 \2/p' <<<"$guidance" | awk '{print $1 + $2}')
  read -r cpu_us per_s < <(python3 -c "t=($after-$before)/$(getconf CLK_TCK); n=max($answered,1); print(f'{t/n*1e6:.0f} {2*n/max(t,1e-9):.0f}')")
  rss_after=$(status_mb "$server" VmRSS)
  hwm=$(status_mb "$server" VmHWM)

  joined=$(IFS=,; echo "${keys[*]}")
  ingest=$("$B/bench/ingest_load" http --port "$port" --keys "$joined" --batch 1000 --seconds "$SECONDS_PER_RUN")
  echo "   $ingest"
  obs_s=$(sed -nE 's/.*obs_per_s=([0-9]+).*/\1/p' <<<"$ingest")
  ingest_p99=$(sed -nE 's/.* p99=([0-9.]+).*/\1/p' <<<"$ingest")
  hwm=$(status_mb "$server" VmHWM)
  kill -INT "$server"
  wait "$server" || true
  server=""

  read -r report_s report_mb < <(measure "$dir/report.log" "$PG" report --db "$dir/city.db" \
    --week "$(date -u +%G-W%V)" --lang en --format html --out "$dir/report.html")
  echo "   guidance ${cpu_us} us CPU/request (${per_s}/s on 2 cores) · RSS after ${rss_after}MB, peak ${hwm}MB · report ${report_s}s ${report_mb}MB"
  echo "$facilities,$road_nodes,$grid_nodes,$bays,$chargers,$signs,$gen_s,$gen_mb,$osm_s,$osm_mb,$graph_s,$car_nodes,$car_ch_s,$graph_mb,$reg_s,$reg_mb,$startup_s,$rss_ready,$RATE,$p50,$p99,$cpu_us,$per_s,$rss_after,$hwm,$obs_s,$ingest_p99,$report_s,$report_mb,$(cut -d' ' -f1 /proc/loadavg)" >>"$csv"
  [ -n "${KEEP:-}" ] || rm -rf "$dir"
done

python3 bench/cost_curves_table.py "$csv" >"$OUT/cost-curves$suffix.md"
cat "$OUT/cost-curves$suffix.md"
if command -v gnuplot >/dev/null; then
  gnuplot -e "csv='$csv'; out='$PLOT'" bench/cost_curves.gp && echo "plot: $PLOT"
fi
