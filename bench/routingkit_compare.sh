#!/usr/bin/env bash
# parkguide's contraction hierarchy and RoutingKit's, side by side in one run on the same
# extracts and the same queries (docs/benchmarks.md, "RoutingKit, side by side").
#
#   bench/routingkit_compare.sh [EXTRACT.osm.pbf ...]     # default: Monaco 2025, Liechtenstein 2024
#
# What it does, all by itself:
#   1. copies RoutingKit (ROUTINGKIT_SRC, default ../shared/peers/routingkit) to
#      build/peers/routingkit — outside the sources, nothing of it enters the repository — and
#      builds its library there as its README says (`make lib/libroutingkit.a`, its own flags:
#      -O3 -march=native -ffast-math), once;
#   2. configures the `bench` preset with PG_ROUTINGKIT_DIR pointing at that copy and builds
#      bench/routingkit_compare.cc (the normal build never needs RoutingKit);
#   3. runs it on every extract: REPETITIONS (default 5) runs of every engine, in rotating order,
#      each run printed, then medians and ratios; prints the machine and its load before, between
#      and after.
# Environment: REPETITIONS, PAIRS (point-to-point queries per run, default 10,000), QUERIES
# (one-to-50 queries per run and kind, default 1,000), SEED (default 1), ROUTINGKIT_SRC,
# BUILD_DIR (default build/bench). BUILD_ONLY=1 times the preprocessing alone instead of the
# queries: our hierarchy and RoutingKit's over our car graph, RoutingKit's over its own graph,
# over our graph without turn costs, and in a nested-dissection order, plain and customizable
# (docs/benchmarks.md, "Cost curves"); for example on a generated grid city:
#   parkguide generate-city --facilities 100 --road-nodes 10000 --out /tmp/grid
#   BUILD_ONLY=1 bench/routingkit_compare.sh /tmp/grid/gencity.osm.pbf
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
src=${ROUTINGKIT_SRC:-$root/../shared/peers/routingkit}
peer=$root/build/peers/routingkit
data=$root/../shared/data
if (($# == 0)); then
  set -- "$data/osm-monaco/monaco-2025-02-11.osm.pbf" \
    "$data/osm-liechtenstein/liechtenstein-2024-03-04.osm.pbf"
fi

# 1. RoutingKit, out of tree.
if [[ ! -f "$peer/lib/libroutingkit.a" ]]; then
  [[ -f "$src/Makefile" ]] || { echo "routingkit_compare: no RoutingKit at $src" >&2; exit 1; }
  echo "routingkit_compare: building RoutingKit from $src in $peer" >&2
  rm -rf "$peer" && mkdir -p "$(dirname "$peer")"
  cp -r "$src" "$peer" && chmod -R u+w "$peer"
  make -C "$peer" -j2 lib/libroutingkit.a >"$peer/build.log" 2>&1 ||
    { tail -20 "$peer/build.log" >&2; exit 1; }
fi

# 2. The driver.
build=${BUILD_DIR:-build/bench}
(cd "$root" && cmake --preset bench -B "$build" -DPG_ROUTINGKIT_DIR="$peer" >/dev/null &&
  cmake --build "$build" -j2 --target routingkit_compare >/dev/null)
bin=$(cd "$root" && realpath "$build")/bench/routingkit_compare

# 3. The runs.
rk_commit=$(tr '\n' ' ' <"$src/../README.md" 2>/dev/null | grep -o 'commit *[0-9a-f]\{7,\}' | head -1 || true)
echo "# RoutingKit (${rk_commit:-$src}) beside parkguide $(cd "$root" && git rev-parse --short HEAD)"
echo
echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')," \
  "$(grep -m1 'cpu MHz' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //') MHz)," \
  "$(free -g | awk '/Mem:/ { print $2 }') GiB; $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "uptime before: $(uptime)"
echo
for osm in "$@"; do
  if [[ -n "${BUILD_ONLY:-}" ]]; then
    "$bin" --osm "$osm" --build-only --without-turn-costs --nested-dissection
    echo "uptime after $(basename "$osm"): $(uptime)"
    continue
  fi
  "$bin" --osm "$osm" --repetitions "${REPETITIONS:-5}" --pairs "${PAIRS:-10000}" \
    --queries "${QUERIES:-1000}" --seed "${SEED:-1}"
  echo "uptime after $(basename "$osm"): $(uptime)"
  echo
done
