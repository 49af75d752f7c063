#!/usr/bin/env bash
# Builds the sample weekly report of docs/reports/ from real data, through the CLI alone, the way
# a clean clone would: a city file, then `parkguide replay` of the Birmingham car parks, the
# Melbourne on-street overstay events and the Shenzhen/Guangzhou EV-charging occupancy (moved
# 1,855 days back, so that its Monday 2021-12-13 falls on Monday 2016-11-14), then
# `parkguide report` for ISO week 2016-W46 in both languages, as HTML and PDF, and a PNG of each
# PDF's first page.
#
#   [SAMPLE_DB=replayed.db] scripts/sample-report.sh [build/dev/parkguide] [../shared/data] [docs/reports]
set -euo pipefail
cd "$(dirname "$0")/.."
parkguide=${1:-build/dev/parkguide}
data=${2:-../shared/data}
out=${3:-docs/reports}
week=2016-W46

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db=${SAMPLE_DB:-$work/replayed.db}  # SAMPLE_DB=path: build the database there and keep it
rm -f "$db"
"$parkguide" import-registry docs/reports/replayed-city --db "$db"
# Neither the Birmingham car parks nor the EV stations come with coordinates: their places are
# approximate, each with its reason, in docs/reports/replayed-locations.csv.
"$parkguide" replay "$data/birmingham-parking/birmingham_parking.csv" --format birmingham \
  --register birmingham --locations docs/reports/replayed-locations.csv --db "$db" 2>/dev/null
"$parkguide" replay "$data/melbourne-onstreet" --format melbourne --db "$db"
"$parkguide" replay "$data/ev-charging-shenzhen-guangzhou" --format ev --shift-days -1855 \
  --locations docs/reports/replayed-locations.csv --db "$db"
mkdir -p "$out"
for lang in zh en; do
  for format in html pdf; do
    "$parkguide" report --db "$db" --week "$week" --lang "$lang" --format "$format" \
      --targets docs/reports/buildout-targets.csv --out "$out/report-$week-$lang.$format"
  done
  pdftoppm -png -r 70 -f 1 -l 1 -singlefile "$out/report-$week-$lang.pdf" \
    "$out/report-$week-$lang-page1"
done
