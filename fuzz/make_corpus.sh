#!/usr/bin/env bash
# Derives seeds for the fuzzers from the real data sets in ../shared/data (when present) and the
# test fixtures, into build/fuzz/seeds/<target>/ — never into the repository: small cuts only
# (a few rows of the parking and charging sets, a few hundred metres of Monaco's OSM extract),
# each under the fuzzer's -max_len. fuzz/run.sh uses them when they are there. docs/fuzzing.md.
#
#   fuzz/make_corpus.sh            # needs python3; osmium-tool for the OSM cuts; the fuzz build
#                                  # (make_graph_seed) for the graph files
set -euo pipefail
cd "$(dirname "$0")/.."

data="${PARKGUIDE_SHARED_DATA:-../shared/data}"
build="${FUZZ_BUILD:-build/fuzz}"
out="$build/seeds"
rm -rf "$out"
mkdir -p "$out"/{observation_json,mqtt_message,http_request,opening_hours,survey_csv,survey_geojson,osm,graph_file}

# In-repo fixtures: OSM towns and survey files, as they are.
cp tests/fixtures/osm/*.osm "$out/osm/"
cp tests/fixtures/survey/city.geojson tests/fixtures/survey/bad/*.geojson "$out/survey_geojson/"
for f in tests/fixtures/survey/csv/*.csv tests/fixtures/survey/bad/*.csv; do
  name=$(basename "$f" .csv)
  { echo "== ${name%%_*}"; cat "$f"; } >"$out/survey_csv/fixture_$name.csv"
done
{ for f in tests/fixtures/survey/csv/*.csv; do echo "== $(basename "$f" .csv)"; cat "$f"; done; } \
  >"$out/survey_csv/fixture_all.csv"

if [[ -d "$data" ]]; then
  python3 - "$data" "$out" <<'PY'
import csv, itertools, json, os, sys

data, out = sys.argv[1], sys.argv[2]

def write(target, name, text):
    with open(os.path.join(out, target, name), "w", encoding="utf-8", newline="") as f:
        f.write(text)

# Observation batches from Birmingham's car park counts: one, ten and fifty rows.
path = os.path.join(data, "birmingham-parking", "birmingham_parking.csv")
if os.path.exists(path):
    with open(path, newline="") as f:
        rows = list(itertools.islice(csv.DictReader(f), 0, 400, 7))
    for n in (1, 10, 50):
        items = [{"type": "facility_count", "facility": r["SystemCodeNumber"],
                  "time": r["LastUpdated"].replace(" ", "T") + "+01:00",
                  "occupied": int(r["Occupancy"]), "seq": i + 1}
                 for i, r in enumerate(rows[:n])]
        batch = json.dumps({"observations": items}, ensure_ascii=False)
        write("observation_json", f"birmingham_{n}.json", batch)
        write("mqtt_message", f"birmingham_{n}.txt",
              "parkguide/birmingham/obs/council\n" +
              json.dumps({"key": "pgk_x", "observations": items}))
        write("http_request", f"birmingham_{n}.txt",
              "POST /api/v1/observations HTTP/1.1\r\nHost: localhost\r\n"
              f"Content-Type: application/json\r\nContent-Length: {len(batch.encode())}\r\n\r\n"
              + batch)
    for r in rows[:5]:
        write("http_request", f"history_{r['SystemCodeNumber']}.txt",
              f"GET /api/v1/facilities/{r['SystemCodeNumber']}/history?from="
              f"{r['LastUpdated'].replace(' ', 'T')}Z&limit=100 HTTP/1.1\r\nHost: x\r\n\r\n")

# Survey files: ParkAPI's German car parks as facilities, Melbourne's bay sensors as bays of one
# zone, Shenzhen's charging stations as chargers.
def csv_text(header, rows):
    import io
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()

facilities, bays, chargers = [], [], []
path = os.path.join(data, "parkapi-germany", "meta-data.csv")
if os.path.exists(path):
    with open(path, newline="", encoding="utf-8") as f:
        for r in itertools.islice(csv.DictReader(f), 0, 90, 3):
            if not r["latitude"] or not r["longitude"]:
                continue
            facilities.append([r["place_id"][:64], r["place_name"], r["city_name"], "multi_storey",
                               r["latitude"], r["longitude"], r["num_all"]])
path = os.path.join(data, "melbourne-onstreet", "bay_locations_2016.csv")
if os.path.exists(path):
    facilities.append(["Z1", "路内泊位", "Melbourne on-street", "on_street", "-37.814", "144.963",
                       "20"])
    with open(path, newline="") as f:
        for r in itertools.islice(csv.DictReader(f), 20):
            bays.append(["B" + r["st_marker_id"], "Z1", r["lat"], r["lon"]])
path = os.path.join(data, "ev-charging-shenzhen-guangzhou", "shenzhen_charging_stations_st-evcdp.csv")
if os.path.exists(path):
    with open(path, newline="") as f:
        for r in itertools.islice(csv.DictReader(f), 15):
            connectors = ";".join(["GBT_DC:120"] * min(int(r["fast"]), 3) +
                                  ["GBT_AC:7"] * min(int(r["slow"]), 3)) or "GBT_AC:7"
            chargers.append(["SZ" + r["station_id"], r["latitude"], r["longitude"], connectors])
fac_header = ["id", "name_zh", "name_en", "kind", "lat", "lon", "capacity"]
if facilities:
    write("survey_csv", "real_facilities.csv",
          "== facilities\n" + csv_text(fac_header, facilities[:12]))
if bays:
    write("survey_csv", "real_zone_and_bays.csv",
          "== facilities\n" + csv_text(fac_header, facilities[-1:]) +
          "== bays\n" + csv_text(["id", "facility", "lat", "lon"], bays))
if chargers:
    write("survey_csv", "real_chargers.csv",
          "== chargers\n" + csv_text(["id", "lat", "lon", "connectors"], chargers))

features = [{"type": "Feature",
             "geometry": {"type": "Point", "coordinates": [float(f[5]), float(f[4])]},
             "properties": {"type": "facility", "id": f[0], "name": {"zh": f[1], "en": f[2]},
                            "kind": f[3], "capacity": {"total": int(f[6] or 0)}}}
            for f in facilities[:8]]
features += [{"type": "Feature",
              "geometry": {"type": "Point", "coordinates": [float(b[3]), float(b[2])]},
              "properties": {"type": "bay", "id": b[0], "facility": b[1]}} for b in bays[:5]]
if features:
    write("survey_geojson", "real.geojson",
          json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False,
                     indent=1))
PY

  # Two cuts of Monaco, each a couple of hundred metres with car parks and roads (one in every
  # format), and the opening_hours values of the whole extract.
  pbf="$data/osm-monaco/monaco-2025-02-11.osm.pbf"
  if [[ -f "$pbf" ]] && command -v osmium >/dev/null; then
    osmium extract -s simple -b 7.4285,43.7445,7.4300,43.7460 "$pbf" \
      -o "$out/osm/monaco_fontvieille.osm" --overwrite >/dev/null 2>&1
    osmium cat "$out/osm/monaco_fontvieille.osm" -o "$out/osm/monaco_fontvieille.osm.pbf" \
      --overwrite
    osmium cat "$out/osm/monaco_fontvieille.osm" -o "$out/osm/monaco_fontvieille.opl" --overwrite
    osmium extract -s smart -b 7.4185,43.7305,7.4215,43.7320 "$pbf" \
      -o "$out/osm/monaco_centre.osm.pbf" --overwrite >/dev/null 2>&1
    for f in "$out"/osm/monaco_*; do
      (($(stat -c %s "$f") <= 65536)) || rm "$f"  # over the fuzzer's -max_len
    done
    osmium tags-filter "$pbf" nwr/opening_hours -f opl -o - 2>/dev/null |
      python3 -c '
import re, sys, urllib.parse
out = sys.argv[1]
seen = set()
for line in sys.stdin:
    m = re.search(r"(?:^| T|,)opening_hours=([^ ,]*)", line)
    if not m:
        continue
    value = re.sub(r"%([0-9a-fA-F]+)%", lambda g: chr(int(g.group(1), 16)), m.group(1))
    if value in seen or len(seen) >= 60:
        continue
    seen.add(value)
    with open(f"{out}/monaco_{len(seen):02d}.txt", "w", encoding="utf-8") as f:
        f.write(value)
' "$out/opening_hours"
  fi
fi

# Graph files of the OSM seeds that have roads (make_graph_seed from the fuzz build).
if [[ -x "$build/fuzz/make_graph_seed" ]]; then
  "$build/fuzz/make_graph_seed" "$out/graph_file" "$out"/osm/*.osm >/dev/null 2>&1 || true
  for f in "$out"/graph_file/*; do
    (($(stat -c %s "$f") <= 65536)) || rm "$f"
  done
fi

for d in "$out"/*; do echo "$(basename "$d"): $(find "$d" -type f | wc -l) seeds"; done
