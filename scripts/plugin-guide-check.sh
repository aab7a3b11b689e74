#!/usr/bin/env bash
# Follows plugins/README.md literally: every ```sh block of it, in order, in one shell, from
# the root of this checkout, with HOME a scratch directory (the guide's ~/ paths land there).
#   scripts/plugin-guide-check.sh [--keep]   (--keep: leave the scratch directory)
# Exit status: 0 when every command of the guide succeeded; the failing command's otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
keep=0
case "${1:-}" in
  --keep) keep=1 ;;
  "") ;;
  *) echo "plugin-guide-check: unknown option $1 (only --keep)" >&2; exit 2 ;;
esac

home=$(mktemp -d "${TMPDIR:-/tmp}/trunkline-guide.XXXXXX")
script="$home/guide.sh"
{
  echo 'set -euo pipefail'
  # Whatever the guide leaves running (trunkd in the background) stops with the script, and
  # is waited for: a trunkd still closing its data dir would race the scratch dir's removal.
  echo 'trap '\''kill $(jobs -p) 2>/dev/null || true; wait'\'' EXIT'
  # Each command is echoed before it runs, so a failure shows which one.
  echo 'set -x'
  awk '/^```sh$/ { inside = 1; next } /^```/ { inside = 0; next } inside { print }' \
    plugins/README.md
} >"$script"
commands=$(grep -vc -e '^set ' -e '^trap ' "$script" || true)
if [ "$commands" -lt 10 ]; then
  echo "plugin-guide-check: plugins/README.md has only $commands commands in sh blocks" >&2
  exit 1
fi

echo "plugin-guide-check: running the $commands commands of plugins/README.md (HOME=$home)"
status=0
HOME="$home" timeout 1200 bash "$script" >"$home/guide.log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
  tail -n 40 "$home/guide.log" >&2
  [ -f "$home/trunkd.log" ] && { echo "--- trunkd.log" >&2; tail -n 20 "$home/trunkd.log" >&2; }
  echo "plugin-guide-check: the guide failed (exit $status); everything is in $home" >&2
  exit "$status"
fi
# The guide's `sync status office` line: the trunk reached the emulator.
grep -E '^office +telnyx +synced +3 +3 +[0-9]+' "$home/guide.log" >/dev/null ||
  { echo "plugin-guide-check: the guide ran, but trunk office was not shown synced" >&2; exit 1; }
echo "plugin-guide-check: every command of the guide succeeded"
if [ "$keep" = 1 ]; then echo "plugin-guide-check: kept $home"; else rm -rf "$home"; fi
