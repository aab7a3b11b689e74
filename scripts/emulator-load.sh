#!/usr/bin/env bash
# Load on the Twilio emulator: trunk fetches over loopback with wrk (64 connections by
# default), reported as requests/s and latency percentiles. Not part of the test run.
#   scripts/emulator-load.sh [SECONDS] [CONNECTIONS]     (BUILD_DIR defaults to ./build)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${BUILD_DIR:-build}"
seconds="${1:-10}"
connections="${2:-64}"
account=AC00000000000000000000000000000001
auth="Basic $(printf '%s:%s' "$account" emulator-token | base64 -w0)"

bash scripts/bootstrap.sh >/dev/null
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target trunkline-emulator >/dev/null

out=$(mktemp)
"$build_dir/tools/provider-emulator/trunkline-emulator" >"$out" &
emulator=$!
trap 'kill "$emulator" 2>/dev/null; wait "$emulator" 2>/dev/null; rm -f "$out"' EXIT
for _ in $(seq 50); do grep -q '^ready$' "$out" && break; sleep 0.1; done
grep -q '^ready$' "$out" || { echo "emulator-load: the emulator did not start" >&2; exit 1; }
base=$(awk '$1 == "twilio" {print $2}' "$out")

sid=$(curl -sf -X POST -H "Authorization: $auth" -d "DomainName=load.pstn.twilio.com" \
  "$base/v1/Trunks" | sed -n 's/^{"sid":"\(TK[0-9a-f]*\)".*/\1/p')
[ -n "$sid" ] || { echo "emulator-load: could not create a trunk" >&2; exit 1; }

echo "GET $base/v1/Trunks/$sid: ${connections} connections, ${seconds}s, 2 wrk threads"
wrk -t2 -c"$connections" -d"${seconds}s" --latency -H "Authorization: $auth" \
  "$base/v1/Trunks/$sid" | tee "$out.wrk"
awk '/Requests\/sec/ {printf "requests_per_s %s\n", $2}
     /^ +50%/ {printf "latency_p50 %s\n", $2}
     /^ +99%/ {printf "latency_p99 %s\n", $2}
     /Non-2xx/ {printf "non_2xx %s\n", $NF}' "$out.wrk"
rm -f "$out.wrk"
