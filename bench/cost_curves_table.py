#!/usr/bin/env python3
"""The markdown table of bench/cost_curves.sh's CSV, one row per city size (stdlib only)."""
import csv
import sys

COLUMNS = [
    ("facilities", "facilities"),
    ("graph_nodes", "road nodes"),
    ("bays", "bays"),
    ("chargers", "chargers"),
    ("signs", "signs"),
    ("generate_s", "generate s"),
    ("import_osm_s", "import-osm s (MB)"),
    ("graph_build_s", "of which graph build s"),
    ("car_contraction_s", "car contraction s (search nodes)"),
    ("graph_mb", "graph MB"),
    ("import_registry_s", "import-registry s (MB)"),
    ("startup_s", "start to /health s"),
    ("rss_ready_mb", "RSS ready MB"),
    ("guidance_p50_ms", "guidance p50 / p99 ms"),
    ("guidance_cpu_us", "guidance CPU µs/req (req/s on 2 cores)"),
    ("hwm_mb", "peak RSS MB"),
    ("ingest_obs_per_s", "durable ingest obs/s (p99 ms)"),
    ("report_s", "report s (MB)"),
    ("load_avg", "load"),
]
PAIRED = {
    "import_osm_s": "import_osm_mb",
    "car_contraction_s": "car_search_nodes",
    "import_registry_s": "import_registry_mb",
    "guidance_p50_ms": "guidance_p99_ms",
    "guidance_cpu_us": "guidance_per_s_2cores",
    "ingest_obs_per_s": "ingest_p99_ms",
    "report_s": "report_mb",
}


def cell(row, key):
    value = row[key]
    if key in ("facilities", "graph_nodes", "bays", "chargers", "signs", "ingest_obs_per_s",
               "car_search_nodes"):
        value = f"{int(float(value)):,}"
    if key in PAIRED:
        second = row[PAIRED[key]]
        if PAIRED[key] == "car_search_nodes":
            second = f"{int(float(second)):,}"
        sep = " / " if key == "guidance_p50_ms" else " ("
        return f"{value}{sep}{second}{'' if sep == ' / ' else ')'}"
    return value


def main(path):
    rows = list(csv.DictReader(open(path)))
    print("| " + " | ".join(title for _, title in COLUMNS) + " |")
    print("|" + "---|" * len(COLUMNS))
    for row in rows:
        print("| " + " | ".join(cell(row, key) for key, _ in COLUMNS) + " |")


if __name__ == "__main__":
    main(sys.argv[1])
