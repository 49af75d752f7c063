#!/usr/bin/env bash
# parkguide's one-to-many car queries side by side with pgRouting's pgr_dijkstraCost, in one run
# on one machine: the per-query time ratio (docs/benchmarks.md, "Routing").
#
#   bench/pgrouting_compare.sh ../shared/data/osm-monaco/monaco-2025-02-11.osm.pbf [QUERIES]
#
# What it does, all by itself:
#   1. installs what is missing (postgresql, postgresql-15-postgis-3, postgresql-15-pgrouting,
#      osm2pgrouting, osmium-tool) with apt;
#   2. runs parkguide_routing_bench on the extract: it prints parkguide's figures and writes the
#      QUERIES (default 1,000) one-to-50 car queries it timed, with each query's time;
#   3. starts its own PostgreSQL cluster in a temporary directory (initdb/pg_ctl as the current
#      user, or as `postgres` through runuser when run as root), converts the extract to OSM XML
#      with osmium and loads it with osm2pgrouting (mapconfig_for_cars.xml);
#   4. snaps every query point to its nearest pgRouting vertex (PostGIS KNN; not timed), then
#      times, per query and inside the server (clock_timestamp around each call, so no client
#      round trip is counted), three calls one after the other: pgr_dijkstraCost(edges, origin,
#      ARRAY[50 targets], directed) — the query; the same call to one vertex adjacent to the
#      origin — the edge SQL and the graph build with a search of a vertex or two (pgRouting
#      stops when its targets are settled); and the edge SQL alone, every column read;
#   5. prints the medians of the three, and per query pgRouting's time over parkguide's, per
#      call and on the search alone (the call less the median trivial call): median, p10, p90.
# Nothing is left behind: the cluster is stopped and the directory removed on exit.
#
# The two graphs are not the same graph (osm2pgrouting has its own profile, no turn
# restrictions or turn costs): this compares what each answers a one-to-many query with, not
# the answers themselves.
set -euo pipefail

osm=$(realpath "${1:?usage: $0 EXTRACT.osm.pbf [QUERIES]}")
queries=${2:-1000}
root=$(cd "$(dirname "$0")/.." && pwd)
bench=${PARKGUIDE_ROUTING_BENCH:-$root/build/bench/bench/parkguide_routing_bench}
port=${PGPORT_BENCH:-54329}

# 1. Packages.
packages=(postgresql postgresql-15-postgis-3 postgresql-15-pgrouting osm2pgrouting osmium-tool)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  echo "pgrouting_compare: installing ${missing[*]}" >&2
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi
if [[ ! -x "$bench" ]]; then
  echo "pgrouting_compare: building $bench (cmake --preset bench)" >&2
  (cd "$root" && cmake --preset bench >/dev/null && cmake --build build/bench --target parkguide_routing_bench >/dev/null)
fi
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

work=$(mktemp -d /tmp/pgrouting-compare.XXXXXX)
chmod 755 "$work"
as_db=()
if [[ $(id -u) -eq 0 ]]; then
  chown postgres "$work"
  as_db=(runuser -u postgres --)
fi
stop() {
  if [[ "${PGROUTING_COMPARE_KEEP:-0}" == 1 ]]; then
    echo "kept: cluster in $work (socket there, port $port, user bench, database routing)" >&2
    return
  fi
  "${as_db[@]}" "$pgbin/pg_ctl" -D "$work/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap stop EXIT

# 2. parkguide, first: its table, the queries and their times.
echo "== parkguide ($(basename "$osm"), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
"$bench" --osm "$osm" --one-to-many "$queries" --export-queries "$work/queries.tsv" \
  --export-timings "$work/parkguide_us.tsv" 2>/dev/null
chmod 644 "$work"/*.tsv

# 3. A private cluster, the extract loaded by osm2pgrouting.
"${as_db[@]}" "$pgbin/initdb" -D "$work/data" -A trust -U bench >/dev/null
"${as_db[@]}" "$pgbin/pg_ctl" -D "$work/data" -l "$work/postgres.log" -w \
  -o "-k $work -p $port -c listen_addresses='' -c shared_buffers=256MB -c fsync=off" start >/dev/null
psql_cmd=("${as_db[@]}" psql -h "$work" -p "$port" -U bench -v ON_ERROR_STOP=1 -q -X)
"${psql_cmd[@]}" -d postgres -c "CREATE DATABASE routing"
"${psql_cmd[@]}" -d routing -c "CREATE EXTENSION postgis; CREATE EXTENSION pgrouting;"
osmium cat "$osm" -o "$work/extract.osm" --overwrite
chmod 644 "$work/extract.osm"
load_start=$(date +%s.%N)
"${as_db[@]}" osm2pgrouting --f "$work/extract.osm" --conf /usr/share/osm2pgrouting/mapconfig_for_cars.xml \
  --dbname routing --username bench --host "$work" --port "$port" --clean >"$work/osm2pgrouting.log" 2>&1 ||
  { cat "$work/osm2pgrouting.log"; exit 1; }
load_end=$(date +%s.%N)
echo
echo "== pgRouting $("${psql_cmd[@]}" -d routing -At -c "SELECT pgr_version()") on PostgreSQL $("${psql_cmd[@]}" -d routing -At -c "SHOW server_version")"
"${psql_cmd[@]}" -d routing -At -c "SELECT 'osm2pgrouting: ' || count(*) || ' edges, ' || (SELECT count(*) FROM ways_vertices_pgr) || ' vertices' FROM ways"
echo "osm2pgrouting load: $(awk "BEGIN { printf \"%.1f\", $load_end - $load_start }") s"

# 4. The same queries: points snapped to vertices once, then one timed call per query.
awk -F'\t' '{ for (i = 1; i < NF; i += 2) print NR - 1 "\t" (i - 1) / 2 "\t" $i "\t" $(i + 1) }' \
  "$work/queries.tsv" >"$work/points.tsv"
chmod 644 "$work/points.tsv"
"${psql_cmd[@]}" -d routing <<SQL
CREATE TABLE points (q int, k int, lat float8, lon float8, vid bigint);
\copy points (q, k, lat, lon) FROM '$work/points.tsv'
-- Qualified: ways_vertices_pgr has lon and lat columns of its own.
UPDATE points SET vid = (SELECT v.id FROM ways_vertices_pgr v
                         ORDER BY v.the_geom <-> ST_SetSRID(ST_MakePoint(points.lon, points.lat), 4326)
                         LIMIT 1);
-- For the trivial call: a vertex one edge away from the origin (the origin itself when it has
-- no usable edge out), so that call fetches and builds the whole graph and searches almost nothing.
ALTER TABLE points ADD COLUMN near bigint;
UPDATE points SET near = coalesce(
  (SELECT w.target FROM ways w WHERE w.source = points.vid AND w.cost_s >= 0 LIMIT 1),
  (SELECT w.source FROM ways w WHERE w.target = points.vid AND w.reverse_cost_s >= 0 LIMIT 1),
  points.vid) WHERE k = 0;
CREATE TABLE timings (q int PRIMARY KEY, us float8, reached int, trivial_us float8, fetch_us float8);
DO \$\$
DECLARE
  edges text := 'SELECT gid AS id, source, target, cost_s AS cost, reverse_cost_s AS reverse_cost FROM ways';
  -- The edge query alone, every column read (a plain count(*) could skip them).
  fetch_sql text := 'SELECT sum(id + source + target + cost + reverse_cost) FROM (' || edges || ') e';
  r record;
  t0 timestamptz;
  n int;
  s float8;
  full_us float8;
  trivial_us float8;
BEGIN
  -- One untimed call of each warms the caches, as parkguide's first queries do.
  PERFORM count(*) FROM pgr_dijkstraCost(edges, 1::bigint, ARRAY[2::bigint], true);
  EXECUTE fetch_sql INTO s;
  FOR r IN SELECT q, (array_agg(vid ORDER BY k) FILTER (WHERE k = 0))[1] AS origin,
                  (array_agg(near ORDER BY k) FILTER (WHERE k = 0))[1] AS near,
                  array_agg(vid ORDER BY k) FILTER (WHERE k > 0) AS targets
           FROM points GROUP BY q ORDER BY q LOOP
    -- The query itself: the edge SQL, the graph build and the search to the last target.
    t0 := clock_timestamp();
    SELECT count(*) INTO n FROM pgr_dijkstraCost(edges, r.origin, r.targets, true);
    full_us := extract(epoch FROM clock_timestamp() - t0) * 1e6;
    -- The same call to one adjacent vertex: the edge SQL and the graph build, a search of a
    -- vertex or two (pgRouting stops once its targets are settled).
    t0 := clock_timestamp();
    PERFORM count(*) FROM pgr_dijkstraCost(edges, r.origin, ARRAY[r.near], true);
    trivial_us := extract(epoch FROM clock_timestamp() - t0) * 1e6;
    -- The edge SQL alone, without pgRouting.
    t0 := clock_timestamp();
    EXECUTE fetch_sql INTO s;
    INSERT INTO timings VALUES (r.q, full_us, n, trivial_us,
                                extract(epoch FROM clock_timestamp() - t0) * 1e6);
  END LOOP;
END
\$\$;
SQL
"${psql_cmd[@]}" -d routing -At -F $'\t' \
  -c "SELECT q, us, reached, trivial_us, fetch_us FROM timings ORDER BY q" >"$work/pgrouting_us.tsv"

# 5. The per-query ratios: per call, and on the search alone (the call less the trivial call).
echo
join -t $'\t' <(sort -k1,1 "$work/parkguide_us.tsv") <(sort -k1,1 "$work/pgrouting_us.tsv") |
  awk -F'\t' '
    { n++; ours[n] = $2; call[n] = $3; reached += $4; trivial[n] = $5; fetch[n] = $6; ratio[n] = $3 / $2 }
    function pct(a, p,   i, j, t, m) {
      delete s; m = n; for (i = 1; i <= m; i++) s[i] = a[i]
      for (i = 2; i <= m; i++) { t = s[i]; for (j = i - 1; j >= 1 && s[j] > t; j--) s[j + 1] = s[j]; s[j + 1] = t }
      return s[int((m - 1) * p) + 1]
    }
    END {
      # The trivial call costs the same whatever the origin (the whole graph is fetched and
      # built): its median is the overhead of every call, and a query'"'"'s search is its call
      # less that median (one noisy measurement per query rather than the difference of two).
      overhead = pct(trivial, 0.5)
      for (i = 1; i <= n; i++) { search[i] = call[i] - overhead; search_ratio[i] = search[i] / ours[i] }
      printf "| queries | parkguide µs | pgRouting per call µs | of which the edge SQL alone µs | trivial call (edge SQL + graph build) µs | search (call − median trivial call) µs |\n"
      printf "|---|---|---|---|---|---|\n"
      printf "| %d one-to-50 (car), medians | %.1f | %.0f | %.0f | %.0f | %.0f |\n", n, pct(ours, 0.5), pct(call, 0.5), pct(fetch, 0.5), overhead, pct(search, 0.5)
      printf "\n| per query | median | p10 | p90 |\n|---|---|---|---|\n"
      printf "| pgRouting per call ÷ parkguide | %.0f× | %.0f× | %.0f× |\n", pct(ratio, 0.5), pct(ratio, 0.1), pct(ratio, 0.9)
      printf "| pgRouting search alone ÷ parkguide | %.1f× | %.1f× | %.1f× |\n", pct(search_ratio, 0.5), pct(search_ratio, 0.1), pct(search_ratio, 0.9)
      printf "| trivial call µs (p10, p90 of the overhead) | %.0f | %.0f | %.0f |\n", overhead, pct(trivial, 0.1), pct(trivial, 0.9)
      printf "(pgRouting reached %.1f of 50 targets per query on average)\n", reached / n
    }'
