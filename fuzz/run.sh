#!/usr/bin/env bash
# Runs every fuzzer of the fuzz preset for SECONDS each (default 60), after replaying its
# committed seeds and regression inputs (fuzz/regressions/<target>/: every crash found so far).
# Fails when any input crashes, leaks, times out or runs out of memory; the input is left in
# build/fuzz/artifacts/ and the fuzzer's output in build/fuzz/logs/. docs/fuzzing.md.
#
#   fuzz/run.sh 300                        # what `make fuzz` runs
#   FUZZ_TARGETS="osm journal" fuzz/run.sh 60
#   FUZZ_PARALLEL=2 fuzz/run.sh 12         # CI: two fuzzers at a time on its two cores
#
# The growing corpus of each target is kept in build/fuzz/corpus/<target>/ between runs; seeds
# derived from ../shared/data by fuzz/make_corpus.sh are in build/fuzz/seeds/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
build="${FUZZ_BUILD:-build/fuzz}"
parallel="${FUZZ_PARALLEL:-1}"
all_targets="observation_json mqtt_message http_request opening_hours tariff survey_csv
             survey_geojson osm journal graph_file sign_messages"
targets="${FUZZ_TARGETS:-$all_targets}"

# The longest input each fuzzer makes: a little over its largest realistic seed.
max_len() {
  case "$1" in
    opening_hours | sign_messages) echo 1024 ;;
    tariff | journal) echo 4096 ;;
    http_request | survey_csv) echo 8192 ;;
    observation_json | mqtt_message | survey_geojson) echo 16384 ;;
    osm | graph_file) echo 65536 ;;
    *) echo 4096 ;;
  esac
}

run_one() {
  local target="$1" bin="$build/fuzz/${1}_fuzzer" log="$build/logs/$1.log"
  local corpus="$build/corpus/$1" regressions="fuzz/regressions/$1"
  mkdir -p "$corpus"
  # -entropic=0: clang 14's entropic schedule updates a frequency per feature on every input,
  # which at -O0 (tens of thousands of features) took 45-80 % of the time (osm, survey_csv: 5x
  # fewer inputs a second); the plain schedule finds as much in these short runs.
  local flags=(-max_len="$(max_len "$target")" -rss_limit_mb=2048 -timeout=10 -entropic=0
               -artifact_prefix="$build/artifacts/$target-" -print_final_stats=1)
  [[ -f "fuzz/dicts/$target.dict" ]] && flags+=(-dict="fuzz/dicts/$target.dict")
  # Every known crash first: each must now pass (a file argument runs that input once).
  local known=()
  [[ -d "$regressions" ]] && mapfile -t known < <(find "$regressions" -type f | sort)
  if ((${#known[@]} > 0)) && ! "$bin" "${flags[@]}" "${known[@]}" >"$log.regressions" 2>&1; then
    echo "FAIL $target: a regression input crashes again ($log.regressions)"
    tail -n 30 "$log.regressions" | sed "s/^/  $target: /"
    return 1
  fi
  local dirs=("$corpus" "fuzz/seeds/$target")
  [[ -d "$build/seeds/$target" ]] && dirs+=("$build/seeds/$target")
  if ! "$bin" "${flags[@]}" -max_total_time="$seconds" "${dirs[@]}" >"$log" 2>&1; then
    echo "FAIL $target (${#known[@]} regressions replayed): see $log and $build/artifacts/"
    grep -E "ERROR|SUMMARY|fuzz property|Test unit written" "$log" | head -n 20 |
      sed "s/^/  $target: /"
    return 1
  fi
  local runs cov
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1)
  echo "ok   $target: ${runs:-?} inputs in ${seconds} s, ${cov:-cov: ?}, ${#known[@]} regressions replayed"
}

for t in $targets; do
  [[ -x "$build/fuzz/${t}_fuzzer" ]] || {
    echo "no $build/fuzz/${t}_fuzzer: build it with cmake --preset fuzz && cmake --build --preset fuzz" >&2
    exit 1
  }
done
mkdir -p "$build/artifacts" "$build/logs"

failed=0
count=0
running=0
for t in $targets; do
  count=$((count + 1))
  run_one "$t" &
  running=$((running + 1))
  if ((running >= parallel)); then
    wait -n || failed=$((failed + 1))
    running=$((running - 1))
  fi
done
while ((running > 0)); do
  wait -n || failed=$((failed + 1))
  running=$((running - 1))
done

if ((failed > 0)); then
  echo "fuzzers: $failed of $count targets failed; crash inputs in $build/artifacts/" >&2
  exit 1
fi
echo "fuzzers: all $count targets clean at ${seconds} s each"
