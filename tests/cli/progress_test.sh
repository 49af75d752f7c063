#!/usr/bin/env bash
# Progress of the long commands (issue 17 Deliver 9): drawn on a terminal, never into a pipe or a
# log, never with --quiet. script(1) (util-linux) gives a command a pseudo-terminal.
#
#   tests/cli/progress_test.sh build/ci/parkguide tests/fixtures/osm/roads_town.osm
set -euo pipefail
bin=$(realpath "$1")
osm=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
ok() { echo "ok   $*"; }
on_a_terminal() { script -qec "$1" /dev/null; }

# Not a terminal: the report on stdout, nothing drawn on stderr.
"$bin" build-roads "$osm" --db "$work/pipe.db" >"$work/pipe.out" 2>"$work/pipe.err"
if grep -q 'build-roads: ' "$work/pipe.err"; then fail "progress drawn into a pipe: $(cat "$work/pipe.err")"
else ok "no progress into a pipe"; fi
grep -q 'car graph' "$work/pipe.out" && ok "the report is there" || fail "no report: $(cat "$work/pipe.out")"

# A terminal: each stage drawn, to 100 %, then the report on a line of its own.
on_a_terminal "'$bin' build-roads '$osm' --db '$work/tty.db'" >"$work/tty.out"
for stage in "read roads" "read road nodes" "contract car graph" "contract foot graph"; do
  if grep -q "build-roads: $stage \[#*-*\] *100%" "$work/tty.out"; then ok "drawn on a terminal: $stage"
  else fail "not drawn on a terminal: $stage"; cat -A "$work/tty.out" | head -20; fi
done
if grep -q '100%.*car graph' "$work/tty.out"; then fail "the report runs into the bar's line"
else ok "the report starts on its own line"; fi

on_a_terminal "'$bin' import-osm '$osm' --db '$work/import.db' --city-name 'T|Town' --time-zone Asia/Shanghai" \
  >"$work/import.out"
grep -q "import-osm: read car parks \[#*-*\] *100%" "$work/import.out" && ok "import-osm draws its reading" ||
  fail "import-osm drew nothing: $(head -c 600 "$work/import.out")"

# replay draws its rows.
printf 'facility_id,time,occupied,capacity\n' >"$work/long.csv"
for i in $(seq 0 59); do printf 'G1,2026-11-28T08:%02d:00+08:00,%d,800\n' "$i" "$i" >>"$work/long.csv"; done
on_a_terminal "'$bin' replay '$work/long.csv' --format csv --db '$work/import.db'" >"$work/replay.out"
grep -q "replay: rows \[#*-*\] *100%" "$work/replay.out" && ok "replay draws its rows" ||
  fail "replay drew nothing: $(head -c 600 "$work/replay.out")"

# backtest draws the series it grids and scores.
for i in $(seq 0 2879); do
  printf 'G1,%s,%d,800\n' "$(date -u -d "2026-11-01 + $((i * 15)) minutes" +%Y-%m-%dT%H:%M:00Z)" $((200 + i % 96 * 4))
done >"$work/series.body"
{ printf 'facility_id,time,occupied,capacity\n'; cat "$work/series.body"; } >"$work/series.csv"
on_a_terminal "'$bin' backtest --data '$work/series.csv' --format long --train-until 2026-11-22" >"$work/bt.out"
grep -q "backtest: score series \[#*-*\] *100%" "$work/bt.out" && ok "backtest draws its scoring" ||
  fail "backtest drew nothing: $(head -c 800 "$work/bt.out")"

# report draws its steps.
on_a_terminal "'$bin' report --db '$work/import.db' --week 2026-W47 --lang en --out '$work/r.html'" >"$work/report.out"
grep -q "report: render \[#*-*\] *100%" "$work/report.out" && ok "report draws its steps" ||
  fail "report drew nothing: $(head -c 800 "$work/report.out")"

# demo draws its backfill (then serves: stopped once the backfill is drawn).
timeout 60 script -qec "'$bin' demo --db '$work/demo.db' --port 0 --history-days 2" /dev/null >"$work/demo.out" &
demo=$!
for _ in $(seq 1 600); do grep -q "demo: backfill days .*100%" "$work/demo.out" 2>/dev/null && break; sleep 0.1; done
kill "$demo" 2>/dev/null || true
wait "$demo" 2>/dev/null || true
pkill -f "demo --db $work/demo.db" 2>/dev/null || true
grep -q "demo: backfill days \[#*-*\] *100%" "$work/demo.out" && ok "demo draws its backfill" ||
  fail "demo drew no backfill: $(head -c 800 "$work/demo.out")"

# --quiet on a terminal: nothing drawn.
on_a_terminal "'$bin' build-roads '$osm' --db '$work/quiet.db' --quiet" >"$work/quiet.out"
if grep -q 'build-roads: ' "$work/quiet.out"; then fail "--quiet drew progress"; else ok "--quiet draws nothing"; fi

[[ $failures -eq 0 ]] || { echo "$failures failure(s)"; exit 1; }
