#!/usr/bin/env bash
# Reads do not stall writes (docs/benchmarks.md, "Ingest beside a flood of expensive reads"): the
# demo city with four weeks of history; a steady ingest feed (one batch of 100 counts every 50 ms
# on each of 4 keep-alive connections, one source each, each batch answered only once durable;
# the time from sending the request to reading the answer) measured alone, then
# beside 32 wrk connections cycling /api/v1/analytics/summary over more week × district keys
# than the analytics cache holds — the finding of issue 16 (3 ms → 5.3 s before the worker pool).
#
#   bench/read_flood_bench.sh [seconds per run, default 20]
# Needs wrk (Debian package wrk). BUILD_DIR=build/ci runs another build's binaries as they are.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${1:-20}
B=${BUILD_DIR:-build/bench}
if [ -z "${BUILD_DIR:-}" ]; then
  cmake --preset bench >/dev/null
  cmake --build $B --target parkguide >/dev/null
fi
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }

work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_log() { for _ in $(seq 1 1800); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done; echo "timeout waiting for $2 in $1" >&2; cat "$1" >&2; return 1; }

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
port=$(free_port)
# Every caller here is 127.0.0.1: the per-address limit would throttle the flood and the feed
# together, so it is off; what is measured is the worker pool keeping reads off the io threads.
$B/parkguide demo --db "$work/demo.db" --port "$port" --http-rate 0 --history-days 28 >"$work/demo.log" 2>&1 &
server=$!
wait_log "$work/demo.log" serving
keys=""
for i in 1 2 3 4; do
  k=$($B/parkguide source add --db "$work/demo.db" --id "feed-$i" --scope all --interval 60 | tail -1)
  keys="${keys:+$keys,}$k"
done

# The flood's paths: 12 weeks × every district × with and without the forecast section (the
# forecast section computes more): more keys than the 64 the cache keeps.
python3 - "$port" >"$work/flood.lua" <<'PY'
import json, sys, urllib.request, datetime
port = sys.argv[1]
city = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/facilities?limit=1000"))
districts = sorted({f.get("district") or "" for f in city["items"]} - {""}) or [""]
today = datetime.date.today()
weeks = [(today - datetime.timedelta(weeks=w)).isocalendar() for w in range(1, 13)]
paths = [f"/api/v1/analytics/{s}?week={y}-W{n:02d}&district={d}"
         for (y, n, _) in weeks for d in districts for s in ("summary", "forecast")]
print("paths = {" + ",".join(json.dumps(p) for p in paths) + "}")
print("i = 0")
print("request = function() i = i % #paths + 1; return wrk.format('GET', paths[i]) end")
print(f"-- {len(paths)} paths", file=sys.stderr)
PY

# The feed: paced, so its latency is what counts; a request that stalls delays the next one on
# its connection and the stall shows in the figures.
cat >"$work/feed.py" <<'PY'
import http.client, json, sys, threading, time, random
port, keys, seconds = int(sys.argv[1]), sys.argv[2].split(","), float(sys.argv[3])
conn = http.client.HTTPConnection("127.0.0.1", port)
conn.request("GET", "/api/v1/facilities?limit=1000")
facilities = [(f["id"], f["live"]["capacity"]) for f in json.loads(conn.getresponse().read())["items"]
              if f["live"]["capacity"] > 0]
lat, errors, lock = [], [], threading.Lock()
def run(key, k):
    c = http.client.HTTPConnection("127.0.0.1", port)
    rng, seq, boot = random.Random(k), 0, int(time.time() * 1000) + k
    nxt, end = time.monotonic(), time.monotonic() + seconds
    mine = []
    while time.monotonic() < end:
        time.sleep(max(0, nxt - time.monotonic()))
        nxt += 0.05
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 1))
        obs = []
        for _ in range(100):
            fid, cap = rng.choice(facilities)
            seq += 1
            obs.append({"type": "facility_count", "facility": fid, "time": stamp,
                        "free": rng.randint(0, cap), "seq": seq, "boot": boot})
        body = json.dumps({"observations": obs})
        t0 = time.monotonic()
        c.request("POST", "/api/v1/observations", body, {"Authorization": "Bearer " + key,
                                                          "Content-Type": "application/json"})
        r = c.getresponse(); r.read()
        mine.append((time.monotonic() - t0) * 1000)
        if r.status != 200:
            with lock: errors.append(r.status)
    with lock: lat.extend(mine)
threads = [threading.Thread(target=run, args=(k, i)) for i, k in enumerate(keys)]
[t.start() for t in threads]; [t.join() for t in threads]
lat.sort()
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
print(f"  feed: {len(lat)} batches ({len(lat) * 100} observations) in {seconds:.0f} s, "
      f"answer p50 {q(0.5):.1f} ms, p99 {q(0.99):.1f} ms, max {lat[-1]:.1f} ms, non-200: {len(errors)}")
PY
feed() { python3 "$work/feed.py" "$port" "$keys" "$SECONDS_PER_RUN"; }
echo "== 1. the feed alone"
feed
echo "== 2. the feed beside 32 connections cycling analytics (wrk, 2 threads)"
wrk -t2 -c32 -d"$((SECONDS_PER_RUN + 4))s" -s "$work/flood.lua" "http://127.0.0.1:$port" >"$work/wrk.txt" 2>&1 &
flood=$!
sleep 2
feed
wait $flood || true
grep -E "Requests/sec|Non-2xx|Latency|requests in" "$work/wrk.txt"
curl -s "http://127.0.0.1:$port/metrics" | grep -E "^parkguide_http_(worker|requests_limited)" || true
echo "== 3. the feed alone again"
feed
