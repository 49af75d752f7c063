#!/usr/bin/env bash
# Soak: the target load held for MINUTES against one parkguide server — durable ingest, guidance,
# event-stream clients and dashboards at once — with the server's memory and latencies every
# interval, the loss check, a clean stop and restart, the flatness verdict and a plot
# (docs/benchmarks.md, "Soak: one hour at the target load").
#
#   bench/soak.sh [MINUTES, default 60] [CITY: demo (default) or an .osm.pbf file]
#
# demo: the demo city (`parkguide demo --history-days 7` prepares the database), then served
# by `parkguide serve` without its simulated feed, so every observation and event of the run is
# the soak's. A .osm.pbf: `import-osm`, then `serve`. Sources soak-1 … soak-$SOURCES are added
# with scope all before the server starts.
#
# Environment (defaults): SOURCES (8), OBS_PER_S (50000), BATCH (500), GUIDANCE_PER_S (2000),
# STREAM_CLIENTS (1000), DASHBOARDS (4), INTERVAL (10 s), WARMUP_MIN (10), SERVER_CPUS (unset:
# the server is not pinned), JOBS (build parallelism; unset: ninja's default), OUT (build/soak),
# PNG (docs/benchmarks-soak.png), KEEP=1 keeps the database and journal.
#
# Writes $OUT/soak-<UTC date-time>.csv (one line per interval), …-server.log, …-summary.txt
# (what this script printed) and the PNG. Exit code 0 only when nothing acknowledged was lost
# (before and after the restart), the server never restarted and stopped cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES=${1:-60}
CITY=${2:-demo}
B=build/bench
OUT=${OUT:-build/soak}
PNG=${PNG:-docs/benchmarks-soak.png}
stamp=$(date -u +%Y%m%d-%H%M)
mkdir -p "$OUT"
csv=$OUT/soak-$stamp.csv
log=$OUT/soak-$stamp-server.log
summary=$OUT/soak-$stamp-summary.txt
exec > >(tee "$summary") 2>&1

cmake --preset bench >/dev/null
cmake --build $B --target parkguide soak ${JOBS:+-j "$JOBS"} >/dev/null

work=$(mktemp -d "$OUT/soak-$stamp.XXXX")
server=""
cleanup() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then kill -KILL "$server"; fi
  if [ -z "${KEEP:-}" ]; then rm -rf "$work"; else echo "kept: $work"; fi
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_log() { for _ in $(seq 1 3000); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done; echo "timeout waiting for '$2' in $1" >&2; tail -20 "$1" >&2; return 1; }
# SIGTERM, then up to 120 s for a clean exit; returns the server's exit code.
stop_server() {
  kill -TERM "$server"
  for _ in $(seq 1 1200); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$server" 2>/dev/null; then echo "server did not stop within 120 s: killed"; kill -KILL "$server"; fi
  local rc=0
  wait "$server" || rc=$?
  server=""
  return $rc
}

# The tool holds ~1,000 sockets; the server raises its own limit.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 65536 2>/dev/null || true
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB, load $(cut -d' ' -f1-3 /proc/loadavg)"
if awk '{exit !($1 > 1.5)}' /proc/loadavg; then
  echo "== warning: load average $(cut -d' ' -f1 /proc/loadavg) before the run: other work shares the cores, the figures are floors"
fi
echo "== commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src bench || echo ' (with local changes)'), $(date -u '+%Y-%m-%d %H:%M UTC')"

db=$work/city.db
if [ "$CITY" = demo ]; then
  echo "== city: the demo city, 7 days of history, served without its simulated feed"
  $B/parkguide demo --db "$db" --port 0 --history-days 7 >"$work/prepare.log" 2>&1 &
  server=$!
  wait_log "$work/prepare.log" serving
  stop_server >/dev/null || true
else
  echo "== city: $CITY"
  $B/parkguide import-osm "$CITY" --db "$db" >"$work/prepare.log" 2>&1
fi
: >"$work/keys"
chmod 600 "$work/keys"
for i in $(seq 1 "${SOURCES:-8}"); do
  key=$($B/parkguide source add --db "$db" --id "soak-$i" --kind operator_system --scope all \
    --interval 60 --description "bench/soak.sh" | tail -1)
  echo "soak-$i $key" >>"$work/keys"
done

# All the load comes from this machine's addresses: no per-address request limit (where the
# server has one). Event streams come from 127.0.0.2 … (50 to an address).
limits=()
if $B/parkguide serve --help 2>&1 | grep -q -- --http-rate; then limits=(--http-rate 0); fi
pin=()
if [ -n "${SERVER_CPUS:-}" ]; then pin=(taskset -c "$SERVER_CPUS"); fi
port=$(free_port)
serve() { "${pin[@]}" $B/parkguide serve --db "$db" --port "$port" "${limits[@]}" >"$1" 2>&1 & server=$!; }
serve "$log"
wait_log "$log" serving
echo "== server pid $server on port $port: parkguide serve ${limits[*]} ${pin:+pinned to $SERVER_CPUS}"
echo "== load for $MINUTES min: ${OBS_PER_S:-50000} obs/s in batches of ${BATCH:-500} from ${SOURCES:-8} sources, ${GUIDANCE_PER_S:-2000} guidance/s, ${STREAM_CLIENTS:-1000} stream clients, ${DASHBOARDS:-4} dashboards"
rc=0
$B/bench/soak --port "$port" --server-pid "$server" --keys-file "$work/keys" \
  --seconds $((MINUTES * 60)) --interval "${INTERVAL:-10}" --obs-per-s "${OBS_PER_S:-50000}" \
  --batch "${BATCH:-500}" --guidance-per-s "${GUIDANCE_PER_S:-2000}" \
  --stream-clients "${STREAM_CLIENTS:-1000}" --dashboards "${DASHBOARDS:-4}" \
  --csv "$csv" --acked-out "$work/acked" || rc=$?

echo "== stopping the server (SIGTERM)"
stop_rc=0
stop_server || stop_rc=$?
if [ $stop_rc -eq 0 ]; then echo "server stopped cleanly: PASS"; else echo "server exit code $stop_rc: FAIL"; rc=1; fi
echo "== restarting it on the same database and journal: nothing acknowledged may be missing"
start=$(date +%s.%N)
port=$(free_port)
serve "${log%.log}-restart.log"
wait_log "${log%.log}-restart.log" serving
echo "serving again after $(python3 -c "print(f'{$(date +%s.%N) - $start:.1f}')") s (journal replay included)"
$B/bench/soak --port "$port" --check-acked "$work/acked" || rc=1
stop_server || rc=1
echo "== server log: $(wc -l <"$log") lines, $(du -h "$log" | cut -f1); warnings and errors:"
grep -E " (W|E) |WARN|ERROR" "$log" | cut -c1-200 | sort | uniq -c | sort -rn | head -10 || true

echo "== verdict and plot"
plot_rc=0
title="parkguide soak, $MINUTES min, $stamp UTC ($CITY)"
# Debian's matplotlib is for Debian's python3 (a pyenv python3 first in PATH does not see it).
py=python3
if ! $py -c 'import matplotlib' 2>/dev/null; then
  if [ -x /usr/bin/python3 ]; then py=/usr/bin/python3; fi
  if ! $py -c 'import matplotlib' 2>/dev/null && [ "$(id -u)" = 0 ]; then
    apt-get install -y -q python3-matplotlib >/dev/null 2>&1 ||
      { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q python3-matplotlib >/dev/null 2>&1; } || true
  fi
fi
$py bench/plot_soak.py "$csv" "$PNG" --warmup-min "${WARMUP_MIN:-10}" --title "$title" \
  --obs-per-s "${OBS_PER_S:-50000}" --guidance-per-s "${GUIDANCE_PER_S:-2000}" || plot_rc=$?
if [ $plot_rc -eq 3 ]; then
  if command -v gnuplot >/dev/null || { [ "$(id -u)" = 0 ] && apt-get install -y -q gnuplot-nox >/dev/null 2>&1; }; then
    gnuplot <<GNUPLOT && echo "plot (gnuplot): $PNG"
set terminal pngcairo size 1000,1000
set output "$PNG"
set datafile separator ","
set datafile columnheaders
set multiplot layout 3,1 title "$title"
set grid
set ylabel "server RSS (MiB)"
plot "$csv" using (\$1/60):"server_rss_mib" with lines title "server RSS"
set logscale y
set ylabel "p99 per interval (ms)"
plot "$csv" using (\$1/60):"ingest_p99_ms" with lines title "ingest request p99", \
     "" using (\$1/60):"guidance_p99_ms" with lines title "guidance p99", \
     "" using (\$1/60):"stream_lag_p99_ms" with lines title "stream delivery lag p99"
set ylabel "per second"
set xlabel "minutes"
plot "$csv" using (\$1/60):"ingest_obs_per_s" with lines title "observations acknowledged/s", \
     "" using (\$1/60):"stream_events_per_s" with lines title "stream events/s", \
     "" using (\$1/60):"guidance_per_s" with lines title "guidance answers/s"
unset multiplot
GNUPLOT
  else
    echo "no matplotlib and no gnuplot: no plot (apt-get install python3-matplotlib)"
  fi
fi
echo "== files: $csv, $log, $summary, $PNG"
exit $rc
