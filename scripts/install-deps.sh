#!/usr/bin/env bash
# Installs what parkguide needs on Debian 12, and nothing when it is all there already.
# Idempotent: a quick dpkg query first; apt-get runs only for what is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates curl
  # OSM: reading, writing, and osmium-tool as an independent checker in tests
  libosmium2-dev libprotozero-dev osmium-tool zlib1g-dev libbz2-dev libexpat1-dev liblz4-dev
  # storage, JSON (nlohmann; simdjson for the ingest hot path), HTTP (Boost.Beast/Asio), time
  # zones, CLI, hashing
  libsqlite3-dev sqlite3 nlohmann-json3-dev libsimdjson-dev libboost-dev libboost-system-dev
  libhowardhinnant-date-dev tzdata libfmt-dev libcli11-dev libsodium-dev
  # MQTT broker and client, XML, PostgreSQL client
  mosquitto mosquitto-clients libmosquitto-dev libpugixml-dev libpqxx-dev
  # the scale-out store's server: its tests start a throwaway cluster of their own
  # (tests/support/postgres_server.h); Debian's cluster 15/main is not used
  postgresql postgresql-15-postgis-3
  # the bus between a city's nodes: NATS JetStream (its tests start servers of their own)
  nats-server libnats-dev
  # the load balancer in front of a city's read nodes, in the scale-out test (docs/operations.md)
  haproxy
  # tests and benchmarks (redis-server: the side-by-side peer of bench/ingest_bench.sh;
  # python3: tools/check_layers.py, the layer rules' test)
  libgtest-dev libgmock-dev libbenchmark-dev clang-format clang-tidy redis-server python3
  # the interchange tests validate DATEX II exports against the official schemas with xmllint
  libxml2-utils
  # the fuzzers (fuzz/, docs/fuzzing.md): clang with libFuzzer and the sanitizer runtimes, which
  # Debian ships apart from the compiler (only recommended, and recommends are not installed)
  clang-14 libclang-rt-14-dev
  # the dashboard's browser tests (Debian's chromium driven by playwright-core from npm), the
  # weekly report's PDF (headless chromium) and its tests (pdftoppm, pdftotext), and a CJK font,
  # without which Chinese renders as boxes
  chromium chromium-driver poppler-utils fonts-noto-cjk
  # `make package` (CPack's DEB generator finds the library dependencies with dpkg-shlibdeps)
  # and `parkguide backup`/`restore` (tar archives)
  dpkg-dev tar
)
# The dashboard is built with Node.js and npm (src/web). A machine may have them from elsewhere
# (NodeSource's nodejs bundles npm): only ask Debian for them when they are missing.
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)
if [[ "${PARKGUIDE_WITH_TEST_SERVICES:-0}" == 1 ]]; then
  packages+=(wrk)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
