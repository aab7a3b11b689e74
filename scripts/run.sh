#!/usr/bin/env bash
# The main job on the embedded defaults: installs what is missing, builds, and starts trunkd
# in sandbox mode (the Twilio and Plivo emulators inside it stand in for the providers) on a
# fresh data dir. Then, through the HTTP API only, it creates Twilio and Plivo trunks with
# sub-resources, waits until the providers hold them, changes one, and prints where each
# trunk stands with its provider, the changed trunk's history with the moment each change
# reached the provider, and the proof that the journal was not rewritten. trunkd then keeps
# running in the foreground until Ctrl-C (a clean stop).
#   scripts/run.sh [--no-wait]     --no-wait: stop trunkd after the demo
# BUILD_DIR (default ./build), TRUNKLINE_DATA_DIR (default ./trunkline-data; the demo uses
# its subdirectory demo, emptied first), TRUNKLINE_LISTEN (default 127.0.0.1:8470).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${BUILD_DIR:-build}"
data_dir="${TRUNKLINE_DATA_DIR:-trunkline-data}/demo"
listen="${TRUNKLINE_LISTEN:-127.0.0.1:8470}"
wait_at_end=1
for arg in "$@"; do
  case "$arg" in
    --no-wait) wait_at_end=0 ;;
    *) echo "usage: scripts/run.sh [--no-wait]" >&2; exit 2 ;;
  esac
done

# Setup says one line per step and keeps the rest in logs under the build dir (their end is
# shown when a step fails); the build shows its progress, since a first build takes minutes.
mkdir -p "$build_dir"
failed() { tail -n 30 "$1" >&2; echo "run.sh: $2 failed; full output in $1" >&2; exit 1; }
echo "== Dependencies (scripts/bootstrap.sh)"
bash scripts/bootstrap.sh 2>&1 | tee "$build_dir/bootstrap.log" | grep --line-buffered '^bootstrap:' ||
  failed "$build_dir/bootstrap.log" "scripts/bootstrap.sh"
echo "== Configuring $build_dir"
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release >"$build_dir/configure.log" 2>&1 ||
  failed "$build_dir/configure.log" "cmake"
echo "== Building trunkd and trunkctl (a first build takes a few minutes)"
cmake --build "$build_dir" -j "$(nproc)" --target trunkd trunkctl

rm -rf "$data_dir"
mkdir -p "$data_dir"
log="$data_dir/trunkd.log"
start=$(date +%s)
echo "== Starting trunkd in sandbox mode on $listen (log: $log)"
"$build_dir/tools/trunkd/trunkd" --sandbox --data-dir "$data_dir" --listen "$listen" \
  --log-format text --drift-interval 30 2>"$log" &
trunkd_pid=$!
stop_trunkd() {
  if kill -0 "$trunkd_pid" 2>/dev/null; then
    kill -TERM "$trunkd_pid" 2>/dev/null || true
    wait "$trunkd_pid" 2>/dev/null || true
  fi
}
trap stop_trunkd EXIT
url="http://$listen"
for _ in $(seq 100); do
  curl -sf "$url/healthz" >/dev/null 2>&1 && break
  kill -0 "$trunkd_pid" 2>/dev/null || failed "$log" "trunkd"
  sleep 0.1
done
curl -sf "$url/healthz" >/dev/null || failed "$log" "trunkd (no answer on $url/healthz)"
grep -m1 'SANDBOX MODE' "$log" | sed 's/^[^ ]* warn //'
token_file="$data_dir/api-token"
token=$(cat "$token_file")
# The emulators' addresses and the sandbox account credentials, as trunkd wrote them.
# shellcheck disable=SC1091
. "$data_dir/sandbox.env"

# api METHOD PATH [JSON] [extra curl args]: the answer's body; a failure stops the demo.
api() {
  local method=$1 path=$2 body=${3:-}
  shift $(($# < 3 ? $# : 3))
  local out status
  out=$(curl -sS -X "$method" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -w '\n%{http_code}' ${body:+--data "$body"} "$@" "$url$path")
  status=${out##*$'\n'}
  out=${out%$'\n'*}
  if [ "${status:0:1}" != 2 ]; then
    echo "run.sh: $method $path answered $status: $out" >&2
    exit 1
  fi
  printf '%s' "$out"
}
quiet() { api "$@" >/dev/null; }

echo "== In the Plivo console (here the emulator's Plivo API): an IP access list and a SIP URI"
plivo() {
  curl -sSf -u "$PLIVO_AUTH_ID:$PLIVO_AUTH_TOKEN" -H 'Content-Type: application/json' \
    -X POST --data "$2" "$PLIVO_BASE_URL/v1/Account/$PLIVO_AUTH_ID/Zentrunk/$1/"
}
acl=$(plivo IPAccessControlList '{"name":"office","ip_addresses":["203.0.113.7"]}' | jq -r .ipacl_uuid)
uri=$(plivo URI '{"name":"pbx","uri":"pbx.example.com:5060"}' | jq -r .uri_uuid)
echo "IP access list $acl, URI $uri"

echo "== Creating trunks through $url/v1"
quiet POST /v1/trunks '{"provider":"twilio","id":"hq","fields":{"friendly_name":"Head office","domain_name":"hq-example.pstn.twilio.com","transfer_mode":"sip-only","secure":true}}' \
  -H 'X-Reason: new head office' -H 'Idempotency-Key: demo-1'
quiet POST /v1/trunks/hq/origination_urls '{"id":"pbx","fields":{"friendly_name":"pbx","sip_url":"sip:pbx.example.com:5060","priority":10,"weight":10,"enabled":true}}' \
  -H 'X-Reason: route to the PBX' -H 'Idempotency-Key: demo-2'
quiet POST /v1/trunks '{"provider":"twilio","id":"branch","fields":{"friendly_name":"Branch","domain_name":"branch-example.pstn.twilio.com"}}' \
  -H 'X-Reason: branch office' -H 'Idempotency-Key: demo-3'
quiet POST /v1/trunks "{\"provider\":\"plivo\",\"id\":\"carrier-in\",\"fields\":{\"name\":\"carrier-in\",\"trunk_direction\":\"inbound\",\"primary_uri_uuid\":\"$uri\"}}" \
  -H 'X-Reason: inbound carrier' -H 'Idempotency-Key: demo-4'
quiet POST /v1/trunks "{\"provider\":\"plivo\",\"id\":\"carrier-out\",\"fields\":{\"name\":\"carrier-out\",\"trunk_direction\":\"outbound\",\"ipacl_uuid\":\"$acl\"}}" \
  -H 'X-Reason: outbound carrier' -H 'Idempotency-Key: demo-5'
echo "hq (with an origination URL), branch, carrier-in, carrier-out"

# Waits (up to 30 s) until every trunk is synced at its latest version.
wait_synced() {
  for _ in $(seq 300); do
    if api GET /v1/sync | jq -e '[.trunks[] | select(.state != "synced" or .synced_version != .desired_version)] | length == 0' >/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  echo "run.sh: the trunks did not all sync within 30 s:" >&2
  api GET /v1/sync | jq -r '.trunks[] | "\(.id) \(.state) \(.last_error.message // "")"' >&2
  exit 1
}
wait_synced
echo "all four are held by their providers"

echo "== Changing hq (ticket OPS-42): a new name, recording on"
version=$(api GET /v1/trunks/hq | jq -r .version)
quiet PATCH /v1/trunks/hq '{"fields":{"friendly_name":"HQ (recorded)","cnam_lookup_enabled":true}}' \
  -H "If-Match: \"$version\"" -H 'X-Reason: ticket OPS-42: recording for compliance' -H 'Idempotency-Key: demo-6'
quiet PATCH /v1/trunks/hq/recording '{"fields":{"mode":"record-from-answer"}}' \
  -H 'X-Reason: ticket OPS-42' -H 'Idempotency-Key: demo-7'
wait_synced

echo
echo "== Where each trunk stands with its provider (GET /v1/sync)"
api GET /v1/sync | jq -r '(["ID","PROVIDER","STATE","VERSION","SYNCED","REMOTE ID"] | @tsv),
  (.trunks[] | [.id, .provider, .state, .desired_version, .synced_version, .remote_id] | @tsv)' |
  awk -F'\t' '{ printf "%-12s %-9s %-7s %-8s %-7s %s\n", $1, $2, $3, $4, $5, $6 }'

echo
echo "== hq: who changed what, when, why, and when it reached Twilio (GET /v1/trunks/hq/history)"
api GET /v1/trunks/hq/history | jq -r '.history[] |
  if .sync then "   \(.time)  reached the provider: \(.sync.description)"
  else "@\(.position) \(.time)  \(.type) by \(.actor)\(if .reason != "" then " (\(.reason))" else "" end)",
       (.changes[] | "      \(.path): \(.old // "-") -> \(.new // "-")")
  end'

echo
echo "== Proof that the history was not rewritten (GET /v1/journal/verify)"
api GET /v1/journal/verify | jq -r '"journal intact: \(.records) records, chain head \(.chain_head)"'
echo
echo "demo done in $(($(date +%s) - start)) s"

cat <<EOF2

trunkd is serving $url (sandbox: trunks sync to the emulators inside it)
  token:  $token_file
  log:    $log
Try:
  curl -H "Authorization: Bearer \$(cat $token_file)" $url/v1/trunks
  curl -H "Authorization: Bearer \$(cat $token_file)" $url/metrics
  curl -N -H "Authorization: Bearer \$(cat $token_file)" "$url/v1/events/stream?after=0"
EOF2
if [ "$wait_at_end" = 1 ]; then
  echo "Ctrl-C stops it."
  trap 'echo; echo "stopping trunkd"; stop_trunkd; exit 0' INT TERM
  wait "$trunkd_pid"
fi
