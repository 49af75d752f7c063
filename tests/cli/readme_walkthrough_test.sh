#!/usr/bin/env bash
# README's "A city from scratch", run as written: every ```sh block of that section, in order, in
# one shell, on the real Monaco extract. Only three things are put in: CITY.osm.pbf is the
# extract, port 8080 a free port, and `make` does nothing (the binary is this build's, first on the
# PATH). Skips (77) without ../shared/data, except when CI is set.
#
#   tests/cli/readme_walkthrough_test.sh README.md build/ci/parkguide [../shared/data]
set -euo pipefail
readme=$(realpath "$1")
binary=$(realpath "$2")
data=${3:-${PARKGUIDE_SHARED_DATA:-$(dirname "$readme")/../shared/data}}
osm="$data/osm-monaco/monaco-2025-02-11.osm.pbf"
if [[ ! -f "$osm" ]]; then
  if [[ -n "${CI:-}" ]]; then
    echo "FAIL: $osm is missing (CI is set, so the walk-through must run)" >&2
    exit 1
  fi
  echo "SKIP: $osm is absent: the README walk-through needs a real extract"
  exit 77
fi
osm=$(realpath "$osm")

# The section's shell blocks, in order.
script=$(awk '
  /^## / { inside = ($0 == "## A city from scratch") }
  inside && /^```sh$/ { block = 1; next }
  block && /^```$/ { block = 0; next }
  block { print }
' "$readme")
[[ -n "$script" ]] || { echo "FAIL: no sh blocks under '## A city from scratch' in $readme" >&2; exit 1; }

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
script=${script//CITY.osm.pbf/$osm}
script=${script//8080/$port}

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"
mkdir bin
ln -s "$binary" bin/parkguide
out=$(PATH="$work/bin:$PATH" bash -euo pipefail -c "make() { :; }; $script" 2>&1) || {
  echo "FAIL: the walk-through stopped:" >&2
  echo "$out" >&2
  cat serve.log >&2 2>/dev/null || true
  exit 1
}
echo "$out"

fail=0
expect() {
  if grep -qE -- "$1" <<<"$out"; then echo "ok   $2"; else echo "FAIL $2 (no /$1/ in the output)"; fail=1; fi
}
expect "time zone +Europe/Monaco" "import-osm found Monaco's time zone in the file"
expect "name \(en\) +Monaco" "parkguide city shows the city's name"
expect '"accepted": ?1' "the first observation was accepted"
expect "'free': 42" "the facility's live count is the one sent"
if [[ -s week.html ]] && grep -q "Monaco" week.html; then
  echo "ok   the weekly report was written for the city"
else
  echo "FAIL the weekly report week.html is missing or does not name the city"
  fail=1
fi
exit $fail
