#!/usr/bin/env bash
# The Debian package as a city's IT team installs it: built with CPack from this build, unpacked
# into an empty root, its binary run from there, its control data checked (shared-library
# dependencies, the postinst that makes the service user), and the systemd unit's own command line —
# ExecStart with %i, its options file and its state directory mapped into the empty root — started
# and stopped as systemd would (SIGTERM, exit 0 within TimeoutStopSec). systemd itself is not run:
# a test machine has none as PID 1.
#
#   tests/packaging/package_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(realpath "$1")
source=$(realpath "$2")
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
fail=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }

(cd "$build" && cpack -G DEB -B "$work/pkg" >"$work/cpack.log" 2>&1) || {
  cat "$work/cpack.log"
  echo "FAIL cpack -G DEB"
  exit 1
}
deb=$(ls "$work"/pkg/parkguide_*.deb)
ok "built $(basename "$deb")"

info=$(dpkg-deb -I "$deb")
grep -q "^ Depends:.*libsqlite3" <<<"$info" && ok "Depends names the shared libraries (libsqlite3…)" ||
  bad "no shared-library dependencies in: $(grep Depends <<<"$info")"
grep -q "^ Depends:.*adduser" <<<"$info" && ok "Depends adduser (the postinst's)" || bad "no adduser in Depends"
dpkg-deb -e "$deb" "$work/control"
[[ -x "$work/control/postinst" ]] && sh -n "$work/control/postinst" && grep -q "adduser --system" "$work/control/postinst" &&
  ok "postinst makes the system user" || bad "postinst missing or broken"

root="$work/root"
dpkg-deb -x "$deb" "$root"
for f in usr/bin/parkguide usr/lib/systemd/system/parkguide@.service usr/share/doc/parkguide/README.md \
         usr/share/doc/parkguide/examples/city.env.example usr/share/doc/parkguide/operations.md; do
  [[ -e "$root/$f" ]] && ok "/$f" || bad "/$f is not in the package"
done
version=$("$root/usr/bin/parkguide" --version) && ok "the unpacked binary runs: $version" || bad "parkguide --version"

# The unit's command line, as systemd would run it for the city "testcity".
unit="$root/usr/lib/systemd/system/parkguide@.service"
state="$root/var/lib/parkguide/testcity"
mkdir -p "$state"
"$root/usr/bin/parkguide" import-registry "$source/tests/fixtures/survey/csv" --db "$state/city.db" >/dev/null
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
grep -q "^LimitNOFILE=" "$unit" && grep -q "^Restart=on-failure" "$unit" && grep -q "^User=parkguide" "$unit" &&
  ok "the unit runs as its own user, restarts on failure, raises LimitNOFILE" || bad "unit settings"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# The options file, as the example shows it, on a free port.
PARKGUIDE_ARGS=$(sed -n 's/^PARKGUIDE_ARGS=//p' "$root/usr/share/doc/parkguide/examples/city.env.example" |
  sed "s/0.0.0.0:8080/127.0.0.1:$port/; s/ --mqtt [^ ]*//")
cmd=${exec_start//%i/testcity}
cmd=${cmd//\/var\/lib\/parkguide/$root/var/lib/parkguide}
cmd=${cmd//\/usr\/bin\/parkguide/$root/usr/bin/parkguide}
cmd=${cmd//\$PARKGUIDE_ARGS/$PARKGUIDE_ARGS}
(cd "$state" && HOME="$state" exec $cmd >"$work/serve.log" 2>&1) &
server=$!
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/health" >/dev/null && break
  sleep 0.2
done
if curl -sf "http://127.0.0.1:$port/api/v1/facilities/F1" >/dev/null; then
  ok "ExecStart serves the city from its state directory"
else
  bad "ExecStart did not serve: $(cat "$work/serve.log")"
fi
kill -TERM "$server"
timeout_s=$(sed -n 's/^TimeoutStopSec=//p' "$unit")
for _ in $(seq 1 $((timeout_s * 10))); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
if wait "$server"; then ok "SIGTERM stops it cleanly (exit 0)"; else bad "exit $? on SIGTERM"; fi
exit $fail
