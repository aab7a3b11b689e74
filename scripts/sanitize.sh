#!/usr/bin/env bash
# Builds every target and test once under AddressSanitizer and UndefinedBehaviorSanitizer in
# a build dir of its own, runs ctest, and fails on any test failure or sanitizer report
# (including one from a child process or a plugin). Run it before landing; not part of CI.
#   scripts/sanitize.sh [ctest args...]     e.g. scripts/sanitize.sh -L unit
# BUILD_DIR (default ./build-sanitize) and JOBS (default nproc) as in test.sh. Needs the
# dependencies of scripts/bootstrap.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${BUILD_DIR:-build-sanitize}"
jobs="${JOBS:-$(nproc)}"

# CMAKE_CXX_FLAGS reach every target, the plugins (MODULE libraries loaded with Boost.DLL)
# included, so a plugin shares the executable's sanitizer runtime.
flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
# GCC's ASan instrumentation makes -Wmaybe-uninitialized report false positives (e.g. inside
# std::regex), and -Wmismatched-new-delete too (Asio's coroutine frames bring their own
# operator new and delete, which it no longer pairs); the other warnings stay errors.
cflags="$flags -Wno-maybe-uninitialized -Wno-mismatched-new-delete"
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS="$cflags" -DCMAKE_EXE_LINKER_FLAGS="$flags" \
  -DCMAKE_SHARED_LINKER_FLAGS="$flags" -DCMAKE_MODULE_LINKER_FLAGS="$flags" \
  -DTRUNKLINE_SANITIZE=ON "${launcher[@]}"
cmake --build "$build_dir" -j "$jobs"

# Every report also goes to a file, so that one from a process whose exit status a test does
# not check (a child, a server) still fails the run.
logs="$(cd "$build_dir" && pwd)/sanitizer-logs"
rm -rf "$logs"
mkdir -p "$logs"
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:check_initialization_order=1:detect_stack_use_after_return=1:log_path=$logs/asan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$logs/ubsan"

status=0
ctest --test-dir "$build_dir" --output-on-failure -j "$jobs" --timeout 1200 "$@" || status=$?

if compgen -G "$logs/*" >/dev/null; then
  echo "sanitizer reports:" >&2
  for log in "$logs"/*; do
    echo "== $log" >&2
    grep -E "^(SUMMARY|==[0-9]+==ERROR)|runtime error" "$log" >&2 || head -20 "$log" >&2
  done
  status=1
fi
if [ "$status" -eq 0 ]; then echo "sanitize: every test passed, no sanitizer reports"; fi
exit "$status"
