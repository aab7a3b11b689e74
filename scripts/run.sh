#!/usr/bin/env bash
# The main job on the embedded defaults: installs dependencies, builds if needed, and shows
# the registry at work in a fresh local data dir: a few Twilio and Plivo trunks are created,
# one is updated, and then its history, its state as of before the update, the diff, and the
# proof that the journal is intact are printed.
#   scripts/run.sh        (BUILD_DIR defaults to ./build; data goes to ./trunkline-data/demo)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${BUILD_DIR:-build}"
data_dir="${TRUNKLINE_DATA_DIR:-trunkline-data}/demo"

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
echo "== Building trunkctl (a first build takes a few minutes)"
cmake --build "$build_dir" -j "$(nproc)" --target trunkctl
rm -rf "$data_dir"

ctl() { "$build_dir/tools/trunkctl/trunkctl" --data-dir "$data_dir" "$@"; }
step() { printf '\n== %s\n$ trunkctl %s\n' "$1" "${*:2}"; ctl "${@:2}" 2>&1; }
quiet() { ctl "$@" >/dev/null; }

uuid=3f2a0c1e-5b6d-4e7f-8a9b-0c1d2e3f4a5b
quiet trunk create --provider twilio --id hq --actor alice --reason "new head office" \
  --set friendly_name="Head office" --set domain_name=hq-example.pstn.twilio.com \
  --set transfer_mode=sip-only --set secure=true
quiet trunk item add hq origination_urls pbx --actor alice --reason "route to the PBX" \
  --set friendly_name=pbx --set sip_url=sip:pbx.example.com:5060 --set priority=10 \
  --set weight=10 --set enabled=true
quiet trunk create --provider twilio --id branch --actor alice --reason "branch office" \
  --set friendly_name=Branch --set domain_name=branch-example.pstn.twilio.com
quiet trunk create --provider plivo --id carrier-in --actor bob --reason "inbound carrier" \
  --set name=carrier-in --set trunk_direction=inbound --set primary_uri_uuid=$uuid
quiet trunk create --provider plivo --id carrier-out --actor bob --reason "outbound carrier" \
  --set name=carrier-out --set trunk_direction=outbound --set ipacl_uuid=$uuid
before=$(ctl -o json journal verify | sed -E 's/.*"last_position":([0-9]+).*/\1/')
quiet trunk update hq --actor carol --reason "ticket OPS-42: recording for compliance" \
  --set friendly_name="HQ (recorded)" --set cnam_lookup_enabled=true
quiet trunk set hq recording --actor carol --reason "ticket OPS-42" --set mode=record-from-answer

step "All trunks" trunk list
step "Who changed the head office trunk, when and why" trunk history hq
step "The head office trunk as it was before carol's change" trunk get hq --at "$before"
step "What carol's change did" trunk diff hq --from "$before" --to "$(ctl -o json journal verify | sed -E 's/.*"last_position":([0-9]+).*/\1/')"
step "A rule the provider enforces (refused, nothing written)" trunk create --provider plivo \
  --set trunk_direction=outbound || true
step "Proof that the history was not rewritten" journal verify
