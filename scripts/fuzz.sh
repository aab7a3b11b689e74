#!/usr/bin/env bash
# Runs each libFuzzer target of tests/fuzz (one per decoder of stored or received bytes) for
# SECONDS (default 60), under AddressSanitizer and UndefinedBehaviorSanitizer, from seed
# corpora of valid encodings. Not part of CI.
#   scripts/fuzz.sh [SECONDS] [DECODER...]      e.g. scripts/fuzz.sh 300 event state
# Installs clang and libFuzzer (Debian 12) when missing. BUILD_DIR defaults to ./build-fuzz;
# the corpora grow in BUILD_DIR/fuzz-corpus/<decoder> from run to run, and an input that
# breaks a decoder is saved as BUILD_DIR/fuzz-artifacts/<decoder>-crash-<sha1>
# (reproduce: BUILD_DIR/tests/fuzz/fuzz_<decoder> <that file>).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
build_dir="${BUILD_DIR:-build-fuzz}"
jobs="${JOBS:-$(nproc)}"

# libFuzzer links when a trivial target does.
fuzzer_links() {
  local probe
  probe="$(mktemp -d)"
  echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' \
    > "$probe/probe.cc"
  clang++ -fsanitize=fuzzer "$probe/probe.cc" -o "$probe/probe" >/dev/null 2>&1
  local ok=$?
  rm -rf "$probe"
  return $ok
}
if ! command -v clang++ >/dev/null || ! fuzzer_links; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update
  $sudo apt-get install -y --no-install-recommends clang libclang-rt-14-dev
fi

flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fsanitize=fuzzer-no-link"
# Without UBSan's function check: clang 14 cannot compile a coroutine with it ("Cannot
# represent a difference across sections", core/http's server).
flags="$flags -fno-sanitize=function -fno-omit-frame-pointer"
# The warning set is written for GCC and enforced by the GCC build; here clang warns without
# failing (a launcher appends -Wno-error, after the project's -Werror).
mkdir -p "$build_dir"
launcher="$(cd "$build_dir" && pwd)/compile-without-werror.sh"
cat > "$launcher" <<'SH'
#!/bin/sh
if command -v ccache >/dev/null; then exec ccache "$@" -Wno-error -Wno-unknown-warning-option; fi
exec "$@" -Wno-error -Wno-unknown-warning-option
SH
chmod +x "$launcher"
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++ -DTRUNKLINE_FUZZ=ON -DCMAKE_CXX_FLAGS="$flags" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DCMAKE_CXX_COMPILER_LAUNCHER="$launcher"

# The seed writer knows every decoder (tests/fuzz/decoders.cc): without DECODER arguments,
# each one it writes seeds for is fuzzed.
cmake --build "$build_dir" -j "$jobs" --target trunkline_fuzz_seeds
seeds="$(mktemp -d)"
trap 'rm -rf "$seeds"' EXIT
"$build_dir/tests/fuzz/trunkline_fuzz_seeds" "$seeds"
decoders=("$@")
if [ "${#decoders[@]}" -eq 0 ]; then
  mapfile -t decoders < <(ls "$seeds")
fi
targets=()
for d in "${decoders[@]}"; do
  if [ ! -d "$seeds/$d" ]; then
    echo "fuzz: no decoder named $d; there are: $(ls "$seeds" | tr '\n' ' ')" >&2
    exit 2
  fi
  targets+=("fuzz_$d")
done
cmake --build "$build_dir" -j "$jobs" --target "${targets[@]}"

corpus="$build_dir/fuzz-corpus"
artifacts="$build_dir/fuzz-artifacts"
mkdir -p "$corpus" "$artifacts"

export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
failed=()
for d in "${decoders[@]}"; do
  echo "== fuzz_$d for ${seconds}s"
  mkdir -p "$corpus/$d"
  if ! "$build_dir/tests/fuzz/fuzz_$d" -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/$d-" \
      "$corpus/$d" "$seeds/$d"; then
    failed+=("$d")
  fi
done

if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz: broke: ${failed[*]} (inputs in $artifacts)" >&2
  exit 1
fi
echo "fuzz: ${#decoders[@]} targets ran ${seconds}s each; nothing broke"
