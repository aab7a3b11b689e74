#!/usr/bin/env bash
# trunkd under load, then killed under load (a script to run by hand, not part of CI).
#   scripts/load-test.sh [--seconds N] [--connections N] [--trunks N]
#                        (BUILD_DIR defaults to ./build; N seconds default 60, 64 connections,
#                        2000 trunks)
#
# Phase 1: trunkd --sandbox (emulators in process, sync running) on a fresh data dir and a free
# port; `trunkline-bench load` creates the trunks (1 in 8 Plivo, the rest Twilio) and sends
# commands for N seconds; its figures are printed against the targets (>= 20,000 commands/s,
# p99 < 50 ms, 0 errors), PASS or FAIL each. The targets do not set the exit status.
#
# Phase 2: the provider emulator as its own process (so that its state outlives trunkd) and
# trunkd pointed at it with credentials (not sandbox). The load runs again with --acks; trunkd
# is SIGKILLed 3 to 8 s into the commands and started again on the same data dir. Then:
# every acknowledged command is in the journal exactly once (command id
# idem-<token name>-<key>, at the acknowledged position, on the trunk's stream);
# `trunkctl journal verify` passes; sync converges (no trunk pending, failed or parked;
# at most 120 s); and the emulator holds exactly one remote trunk per registry trunk.
#
# Exit status: 0 when both phases ran and every phase-2 check passed; 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${BUILD_DIR:-build}"
seconds=60
connections=64
trunks=2000

usage() { sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds | --connections | --trunks)
      if [ $# -lt 2 ] || ! [[ "$2" =~ ^[1-9][0-9]{0,6}$ ]]; then
        echo "load-test: $1 needs a whole number above 0" >&2
        exit 2
      fi
      case "$1" in
        --seconds) seconds="$2" ;;
        --connections) connections="$2" ;;
        --trunks) trunks="$2" ;;
      esac
      shift 2
      ;;
    -h | --help) usage; exit 0 ;;
    *) echo "load-test: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done

# Build what is needed (as scripts/run.sh does), quietly unless it fails.
mkdir -p "$build_dir"
failed() { tail -n 30 "$1" >&2; echo "load-test: $2 failed; full output in $1" >&2; exit 1; }
echo "== Building in $build_dir (Release)"
bash scripts/bootstrap.sh >"$build_dir/bootstrap.log" 2>&1 ||
  failed "$build_dir/bootstrap.log" "scripts/bootstrap.sh"
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release >"$build_dir/configure.log" 2>&1 ||
  failed "$build_dir/configure.log" "cmake"
cmake --build "$build_dir" -j "$(nproc)" \
  --target trunkd trunkctl trunkline-bench trunkline-emulator >"$build_dir/load-build.log" 2>&1 ||
  failed "$build_dir/load-build.log" "the build"
trunkd_bin="$build_dir/tools/trunkd/trunkd"
trunkctl_bin="$build_dir/tools/trunkctl/trunkctl"
bench_bin="$build_dir/tools/bench/trunkline-bench"
emulator_bin="$build_dir/tools/provider-emulator/trunkline-emulator"

work=$(mktemp -d "${TMPDIR:-/tmp}/trunkline-load.XXXXXX")
trunkd_pid=""
emulator_pid=""
bench_pid=""
keep_work=0

# Stops what this script started (by pid), bounded: SIGTERM, then SIGKILL after 15 s.
stop_pid() {
  local pid="$1"
  [ -n "$pid" ] || return 0
  if ! kill -TERM "$pid" 2>/dev/null; then
    wait "$pid" 2>/dev/null || true
    return 0
  fi
  for _ in $(seq 150); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  stop_pid "$bench_pid"
  stop_pid "$trunkd_pid"
  stop_pid "$emulator_pid"
  if [ "$keep_work" = 1 ]; then
    echo "load-test: logs and data kept in $work" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "load-test: $*" >&2; keep_work=1; exit 1; }

# Starts trunkd on data dir $1 with log $2 (the rest: its options; the caller's environment
# is passed on) on a free port; sets trunkd_pid and trunkd_url once it serves (at most 60 s,
# a journal recovery included).
start_trunkd() {
  local data="$1" log="$2"
  shift 2
  "$trunkd_bin" --data-dir "$data" --listen 127.0.0.1:0 --log-format json "$@" 2>"$log" &
  trunkd_pid=$!
  trunkd_url=""
  for _ in $(seq 600); do
    trunkd_url=$(sed -n 's/^trunkd: serving \(http:[^ ]*\).*/\1/p' "$log" | tail -n 1)
    [ -n "$trunkd_url" ] && break
    kill -0 "$trunkd_pid" 2>/dev/null || { tail -n 20 "$log" >&2; die "trunkd did not start"; }
    sleep 0.1
  done
  [ -n "$trunkd_url" ] || die "trunkd did not serve within 60 s (log: $log)"
  [ -s "$data/api-token" ] || die "no token in $data/api-token"
}

# GET with the token of data dir $1, path $2; fails on a non-2xx answer.
api_get() {
  curl -sS -f --max-time 30 -H "Authorization: Bearer $(head -n 1 "$1/api-token")" \
    "$trunkd_url$2"
}

# A Plivo IP access control list, made on the emulator at base URL $1 for auth id $2 with token
# $3, for the Plivo trunks to reference; prints its UUID.
make_ipacl() {
  curl -sS -f --max-time 10 -u "$2:$3" -H 'Content-Type: application/json' \
    -d '{"name":"load-test","ip_addresses":["192.0.2.10"]}' \
    "$1/v1/Account/$2/Zentrunk/IPAccessControlList/" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["ipacl_uuid"])'
}

# Where sync stands: "<pending> <failed> <parked> <synced> <in flight>" (data dir $1).
sync_counts() {
  api_get "$1" /v1/sync | python3 -c '
import json, sys
s = json.load(sys.stdin)
n = {}
for t in s["trunks"]:
    n[t["state"]] = n.get(t["state"], 0) + 1
print(n.get("pending", 0), n.get("failed", 0), n.get("parked", 0), n.get("synced", 0),
      s.get("worker", {}).get("in_flight", 0))'
}

# "<wall seconds> <busy CPU ticks of the machine> <all ticks> <ticks of process $1>".
cpu_ticks() {
  python3 - "$1" <<'EOF'
import sys, time
cpu = [int(x) for x in open("/proc/stat").readline().split()[1:9]]
proc = open(f"/proc/{sys.argv[1]}/stat").read().rsplit(")", 1)[1].split()
print(time.time(), sum(cpu) - cpu[3] - cpu[4], sum(cpu), int(proc[11]) + int(proc[12]))
EOF
}
# Where the machine's CPU went between two cpu_ticks snapshots ($1, $2), with the load
# client's user and system seconds in $3.
cpu_report() {
  python3 - "$1" "$2" "$3" <<'EOF'
import os, sys
b = [float(x) for x in open(sys.argv[1]).read().split()]
a = [float(x) for x in open(sys.argv[2]).read().split()]
hz = os.sysconf("SC_CLK_TCK")
wall = a[0] - b[0]
cores = (a[2] - b[2]) / hz / wall
busy = (a[1] - b[1]) / hz / wall
trunkd = (a[3] - b[3]) / hz / wall
client = sum(float(x) for x in open(sys.argv[3]).read().split()[-2:]) / wall
print(f"CPU over the load, in cores of {cores:.0f}: trunkd {trunkd:.2f}, load client {client:.2f}, "
      f"everything else {max(busy - trunkd - client, 0):.2f}, idle {cores - busy:.2f}")
EOF
}

target() {  # name, value, PASS condition (python expression on v)
  if python3 -c "import sys; v = float(sys.argv[1]); sys.exit(0 if ($3) else 1)" "$2"; then
    printf '  %-22s %12s   target %-10s PASS\n' "$1" "$2" "$4"
  else
    printf '  %-22s %12s   target %-10s FAIL\n' "$1" "$2" "$4"
  fi
}
figure() { awk -v n="$1" '$1 == n {print $2}' "$2"; }

# ---------------------------------------------------------------------------------------------
echo "load average before the run: $(cut -d ' ' -f 1-3 /proc/loadavg) ($(nproc) cores)"
echo "== Phase 1: ${seconds} s of commands on ${connections} connections, ${trunks} trunks" \
  "(trunkd --sandbox, sync running)"
p1="$work/phase1"
mkdir -p "$p1"
start_trunkd "$p1/data" "$p1/trunkd.log" --sandbox
echo "trunkd at $trunkd_url (pid $trunkd_pid)"
# shellcheck disable=SC1091
plivo_env=$(
  . "$p1/data/sandbox.env"
  echo "$PLIVO_BASE_URL $PLIVO_AUTH_ID $PLIVO_AUTH_TOKEN"
)
read -r plivo_url plivo_id plivo_token <<<"$plivo_env"
ipacl=$(make_ipacl "$plivo_url" "$plivo_id" "$plivo_token") || die "could not make a Plivo IP ACL"
set +e
cpu_ticks "$trunkd_pid" >"$p1/cpu-before"
/usr/bin/time -o "$p1/bench.time" -f '%U %S' timeout $((seconds + 300)) \
  "$bench_bin" load --url "$trunkd_url" --token-file "$p1/data/api-token" \
  --connections "$connections" --seconds "$seconds" --trunks "$trunks" --plivo-ipacl "$ipacl" \
  >"$p1/figures.txt" 2>"$p1/bench.err"
bench_status=$?
set -e
cpu_ticks "$trunkd_pid" >"$p1/cpu-after"
cat "$p1/bench.err" >&2
[ "$bench_status" = 0 ] || { cat "$p1/figures.txt"; die "phase 1: the load client failed (exit $bench_status)"; }
cat "$p1/figures.txt"
read -r pending failed parked synced in_flight <<<"$(sync_counts "$p1/data")"
cpu_report "$p1/cpu-before" "$p1/cpu-after" "$p1/bench.time" || true
echo "sync at the end of the load: $synced synced, $pending pending, $failed failed, $parked parked"
echo "Targets:"
target load_commands_per_s "$(figure load_commands_per_s "$p1/figures.txt")" 'v >= 20000' '>= 20000'
target load_p99_ms "$(figure load_p99_ms "$p1/figures.txt")" 'v < 50' '< 50'
target load_errors "$(figure load_errors "$p1/figures.txt")" 'v == 0' '0'
stop_pid "$trunkd_pid"
trunkd_pid=""

# ---------------------------------------------------------------------------------------------
echo
echo "== Phase 2: SIGKILL of trunkd under load, restart, checks"
p2="$work/phase2"
mkdir -p "$p2"
"$emulator_bin" --twilio-port 0 --plivo-port 0 >"$p2/emulator.out" 2>"$p2/emulator.log" &
emulator_pid=$!
for _ in $(seq 100); do
  grep -qs '^ready$' "$p2/emulator.out" && break
  sleep 0.1
done
grep -qs '^ready$' "$p2/emulator.out" || die "the emulator did not start"
twilio_url=$(awk '$1 == "twilio" {print $2}' "$p2/emulator.out")
plivo_url=$(awk '$1 == "plivo" {print $2}' "$p2/emulator.out")
# The emulator's default accounts (tools/provider-emulator/README.md).
export TWILIO_ACCOUNT_SID=AC00000000000000000000000000000001 TWILIO_AUTH_TOKEN=emulator-token
export PLIVO_AUTH_ID=MAEMULATOR0000000001 PLIVO_AUTH_TOKEN=emulator-token
export TWILIO_BASE_URL="$twilio_url" PLIVO_BASE_URL="$plivo_url"
ipacl=$(make_ipacl "$plivo_url" "$PLIVO_AUTH_ID" "$PLIVO_AUTH_TOKEN") ||
  die "could not make a Plivo IP ACL"
start_trunkd "$p2/data" "$p2/trunkd-1.log" --no-sandbox
echo "emulator: twilio $twilio_url, plivo $plivo_url; trunkd at $trunkd_url (pid $trunkd_pid)"

"$bench_bin" load --url "$trunkd_url" --token-file "$p2/data/api-token" \
  --connections "$connections" --seconds 120 --trunks "$trunks" --plivo-ipacl "$ipacl" \
  --acks "$p2/acks.txt" >"$p2/figures.txt" 2>"$p2/bench.err" &
bench_pid=$!
for _ in $(seq 1200); do  # the creates: at most 120 s
  grep -qs 'trunks ready' "$p2/bench.err" && break
  kill -0 "$bench_pid" 2>/dev/null || break
  sleep 0.1
done
grep -qs 'trunks ready' "$p2/bench.err" || { cat "$p2/bench.err" >&2; die "the load did not start"; }
kill_ms=$((3000 + RANDOM % 5001))
sleep "$((kill_ms / 1000)).$(printf '%03d' $((kill_ms % 1000)))"
kill -KILL "$trunkd_pid"
wait "$trunkd_pid" 2>/dev/null || true
trunkd_pid=""
echo "trunkd SIGKILLed ${kill_ms} ms into the commands"
bench_status=""
for _ in $(seq 300); do  # the client sees the connections break: at most 30 s
  kill -0 "$bench_pid" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$bench_pid" 2>/dev/null; then
  die "the load client did not end within 30 s of the kill"
fi
set +e
wait "$bench_pid"
bench_status=$?
set -e
bench_pid=""
cat "$p2/figures.txt"
cat "$p2/bench.err" >&2
if [ "$bench_status" = 0 ] || [ "$bench_status" -ge 128 ]; then
  die "the load client should have ended with an error (exit 1), not with exit $bench_status"
fi
grep -q 'the server is gone' "$p2/bench.err" || die "the load client did not say the server is gone"
echo "load client: exit $bench_status, saying the server is gone (as it should)"

restart_start=$(date +%s.%N)
start_trunkd "$p2/data" "$p2/trunkd-2.log" --no-sandbox
restart_s=$(python3 -c "import sys, time; print(f'{time.time() - float(sys.argv[1]):.2f}')" "$restart_start")
echo "trunkd restarted on the same data dir in ${restart_s} s, at $trunkd_url (pid $trunkd_pid)"

checks_failed=0
check() {  # name, exit status of the check
  if [ "$2" = 0 ]; then echo "  $1: OK"; else echo "  $1: FAILED"; checks_failed=1; fi
}
echo "Checks:"

# Every acknowledged command exactly once in the journal, where the answer said.
set +e
"$trunkctl_bin" --data-dir "$p2/data" journal export >"$p2/journal.jsonl" 2>"$p2/export.err"
export_status=$?
python3 - "$p2/acks.txt" "$p2/journal.jsonl" local <<'EOF'
import collections, json, sys
acks_path, journal_path, token_name = sys.argv[1:4]
acks = []
with open(acks_path) as f:
    for n, line in enumerate(f, 1):
        parts = line.split()
        if len(parts) != 3 or not parts[2].isdigit():
            print(f"    acks line {n} is malformed: {line!r}")
            sys.exit(1)
        acks.append((parts[0], parts[1], int(parts[2])))
by_command = collections.defaultdict(list)
records = 0
with open(journal_path) as f:
    for line in f:
        r = json.loads(line)
        records += 1
        if r["command_id"].startswith("idem-"):
            by_command[r["command_id"]].append((r["position"], r["stream"]))
missing = duplicated = misplaced = 0
for key, trunk, position in acks:
    found = by_command.get(f"idem-{token_name}-{key}", [])
    if not found:
        missing += 1
    elif len(found) > 1:
        duplicated += 1
    elif found[0] != (position, "trunk-" + trunk):
        misplaced += 1
acked = {f"idem-{token_name}-{k}" for k, _, _ in acks}
unacked = sum(1 for c in by_command if c not in acked)
print(f"    {len(acks)} acknowledged; {len(acks) - missing - duplicated - misplaced} found once at "
      f"their position; {missing} missing, {duplicated} more than once, {misplaced} elsewhere; "
      f"{unacked} journaled without an answer (in flight at the kill); {records} records")
sys.exit(0 if len(acks) > 0 and missing == duplicated == misplaced == 0 else 1)
EOF
acks_status=$?
set -e
[ "$export_status" = 0 ] || { cat "$p2/export.err" >&2; acks_status=1; }
check "acknowledged commands in the journal exactly once" "$acks_status"

set +e
verify=$("$trunkctl_bin" --data-dir "$p2/data" journal verify 2>&1)
verify_status=$?
set -e
echo "    $verify"
check "trunkctl journal verify" "$verify_status"

# Sync converges: no trunk pending, failed or parked, and nothing in flight. Timed from the
# restart; polled for at most 120 s.
converged=1
for _ in $(seq 120); do
  read -r pending failed parked synced in_flight <<<"$(sync_counts "$p2/data")"
  if [ "$pending" = 0 ] && [ "$failed" = 0 ] && [ "$in_flight" = 0 ]; then
    converged=0
    break
  fi
  sleep 1
done
sync_s=$(python3 -c "import sys, time; print(f'{time.time() - float(sys.argv[1]):.1f}')" "$restart_start")
echo "    ${sync_s} s after the restart: $synced synced, $pending pending, $failed failed, $parked parked," \
  "$in_flight in flight"
[ "$parked" = 0 ] || converged=1
check "sync converged (at most 120 s after the restart)" "$converged"

# One remote trunk per registry trunk: Twilio trunks by domain name (<id>.pstn.twilio.com),
# Plivo trunks by name (<id>); neither is changed by the load.
set +e
api_get "$p2/data" /v1/sync >"$p2/sync.json" &&
  curl -sS -f --max-time 30 "$twilio_url/__emulator/state" >"$p2/emulator-state.json"
fetch_status=$?
python3 - "$p2/sync.json" "$p2/emulator-state.json" <<'EOF'
import collections, json, sys
sync = json.load(open(sys.argv[1]))
state = json.load(open(sys.argv[2]))
registry = {t["id"]: t for t in sync["trunks"] if t["state"] != "deleted"}
remote = collections.Counter()
remote_ids = collections.defaultdict(set)
total = 0
for trunks in state["twilio"]["trunks_by_account"].values():
    for t in trunks:
        total += 1
        trunk_id = (t.get("domain_name") or "").removesuffix(".pstn.twilio.com")
        remote[trunk_id] += 1
        remote_ids[trunk_id].add(t["sid"])
for account in state["plivo"]["accounts"].values():
    for t in account["trunks"]:
        total += 1
        remote[t["name"]] += 1
        remote_ids[t["name"]].add(str(t["trunk_id"]))
doubled = sorted(i for i, n in remote.items() if i in registry and n > 1)
for i in doubled[:10]:
    print(f"    {i} ({registry[i]['provider']}): {remote[i]} remote trunks "
          f"{sorted(remote_ids[i])}, the registry holds {registry[i].get('remote_id')}")
duplicates = sum(remote[i] - 1 for i in doubled)
absent = sum(1 for i in registry if remote[i] == 0)
strangers = sum(n for i, n in remote.items() if i not in registry)
wrong_id = sum(1 for i, t in registry.items()
               if remote[i] == 1 and t.get("remote_id") not in remote_ids[i])
print(f"    {len(registry)} registry trunks, {total} remote trunks: {duplicates} duplicates, "
      f"{absent} without a remote trunk, {strangers} remote trunks of no registry trunk, "
      f"{wrong_id} whose remote id is not the remote trunk's")
sys.exit(0 if duplicates == absent == strangers == wrong_id == 0 else 1)
EOF
dup_status=$?
set -e
[ "$fetch_status" = 0 ] || dup_status=1
check "no duplicate remote trunks" "$dup_status"

stop_pid "$trunkd_pid"
trunkd_pid=""
stop_pid "$emulator_pid"
emulator_pid=""
if [ "$checks_failed" != 0 ]; then
  die "phase 2: a check failed"
fi
echo "load-test: done"
