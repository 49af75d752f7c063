#!/usr/bin/env bash
# clang-tidy (the repository's .clang-tidy) on the C++ sources changed since BASE; any finding in
# them fails (warnings as errors).
#
#   tools/tidy_changed.sh [BASE]    # BASE: a commit; default HEAD~10 (about one stop's work)
#
# Needs build/ci/compile_commands.json (`make test` configures it). A changed header is checked
# through its own .cc (HeaderFilterRegex covers src/); files the ci build does not compile
# (benchmarks) and deleted files are left out and listed.
set -euo pipefail
cd "$(dirname "$0")/.."

base="${1:-HEAD~10}"
db=build/ci/compile_commands.json
[[ -f $db ]] || { echo "tidy: $db is missing: run make test (or cmake --preset ci) first" >&2; exit 1; }
git rev-parse --verify --quiet "$base^{commit}" >/dev/null || base="$(git rev-list --max-parents=0 HEAD)"

mapfile -t changed < <(git diff --name-only "$base" HEAD -- '*.cc' '*.h' | sort -u)
sources=()
for f in "${changed[@]}"; do
  [[ $f == *.h ]] && f="${f%.h}.cc"
  [[ -f $f ]] || continue
  if grep -q "\"file\": \"$PWD/$f\"" "$db"; then
    sources+=("$f")
  else
    echo "tidy: not in the ci build, skipped: $f"
  fi
done
mapfile -t sources < <(printf '%s\n' "${sources[@]}" | sort -u | sed '/^$/d')
echo "tidy: ${#sources[@]} file(s) changed since $(git rev-parse --short "$base")"
[[ ${#sources[@]} -gt 0 ]] || exit 0

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
printf '%s\n' "${sources[@]}" |
  xargs -P "$(nproc)" -n 1 clang-tidy -p build/ci --quiet --warnings-as-errors='*' >"$log" 2>&1 ||
  status=$?
grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error):' "$log" | sort -u || true
if [[ $status -ne 0 ]]; then
  echo "tidy: findings above (clang-tidy exit $status); full output:" >&2
  grep -v 'warnings generated\|Suppressed\|Use -header-filter\|^$' "$log" | head -200 >&2
  exit 1
fi
echo "tidy: clean"
