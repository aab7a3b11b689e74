#!/usr/bin/env bash
# Checks that the plugin SDK works as an installed package, without trunkline's source:
#   1. installs the SDK (component trunkline-plugin-sdk) from BUILD_DIR into a temporary
#      prefix (configuring BUILD_DIR first when it has not been);
#   2. configures and builds the Twilio plugin out of tree, from a copy of plugins/twilio,
#      against that prefix only;
#   3. checks that the trunkline_twilio.so it built loads: a probe built against the installed
#      abi.h calls its entry, create, describe_schema and destroy; and, when BUILD_DIR has
#      trunkctl built, `trunkctl plugins list` loads it through the host;
#   4. checks that find_package(trunkline-plugin-sdk 2.0) fails at configure time, saying why,
#      and that a request for 1.0 is met.
#   scripts/sdk-check.sh            (BUILD_DIR defaults to ./build; JOBS to nproc)
# Exits non-zero, saying which check failed, on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
build_dir="${BUILD_DIR:-build}"
jobs="${JOBS:-$(nproc)}"
start=$(date +%s)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"
log="$tmp/log"

fail() {
  echo "sdk-check: FAILED: $*" >&2
  if [ -s "$log" ]; then
    echo "--- output:" >&2
    tail -n 40 "$log" >&2
  fi
  exit 1
}
step() { echo "sdk-check: $*"; }

# 1. The SDK, installed.
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  step "configuring $build_dir"
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release >"$log" 2>&1 ||
    fail "configuring $build_dir"
fi
cmake -S . -B "$build_dir" >"$log" 2>&1 || fail "re-configuring $build_dir"
cmake --install "$build_dir" --prefix "$prefix" --component trunkline-plugin-sdk >"$log" 2>&1 ||
  fail "installing the SDK from $build_dir"
config="$prefix/share/cmake/trunkline-plugin-sdk/trunkline-plugin-sdk-config.cmake"
for f in "$config" "$prefix/include/trunkline/plugin_sdk/plugin.h" \
  "$prefix/share/doc/trunkline-plugin-sdk/ABI.md"; do
  [ -f "$f" ] || fail "the install has no ${f#"$prefix"/}"
done
step "SDK $(sed -n 's/^set(PACKAGE_VERSION "\([0-9.]*\)")$/\1/p' \
  "${config%config.cmake}config-version.cmake") installed into a temporary prefix"

# 2. The Twilio plugin, out of tree: a copy of its folder, the installed SDK and nothing else of
# trunkline's.
cp -r plugins/twilio "$tmp/twilio-src"
cmake -S "$tmp/twilio-src" -B "$tmp/twilio-build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix" >"$log" 2>&1 || fail "configuring plugins/twilio out of tree"
grep -q "$repo" "$tmp/twilio-build/CMakeCache.txt" &&
  fail "the out-of-tree build of plugins/twilio refers to the source tree $repo"
cmake --build "$tmp/twilio-build" -j "$jobs" >"$log" 2>&1 ||
  fail "building plugins/twilio out of tree"
plugin_dir="$tmp/twilio-build/lib/trunkline/plugins"
[ -f "$plugin_dir/trunkline_twilio.so" ] ||
  fail "the out-of-tree build made no lib/trunkline/plugins/trunkline_twilio.so"
step "plugins/twilio built out of tree: trunkline_twilio.so"

# 3. It loads.
cat >"$tmp/probe.cc" <<'PROBE'
// Loads a plugin as the host would, through the installed abi.h only.
#include <dlfcn.h>

#include <cstdio>
#include <cstring>

#include "trunkline/plugin_sdk/abi.h"

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  void* lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) return std::printf("not loadable: %s\n", dlerror()), 1;
  auto entry = reinterpret_cast<tl_plugin_entry_fn>(dlsym(lib, TRUNKLINE_PLUGIN_ENTRY_SYMBOL));
  if (entry == nullptr) return std::printf("no entry symbol\n"), 1;
  const tl_plugin_descriptor* d = entry();
  if (d->abi_major != TRUNKLINE_PLUGIN_ABI_MAJOR || d->size < TRUNKLINE_PLUGIN_DESCRIPTOR_MIN_SIZE_1_1)
    return std::printf("ABI %u.%u, %u bytes\n", d->abi_major, d->abi_minor, d->size), 1;
  if (std::strcmp(d->provider_id, argv[2]) != 0)
    return std::printf("provider %s, not %s\n", d->provider_id, argv[2]), 1;
  tl_plugin* plugin = nullptr;
  tl_result made = d->create(tl_bytes{nullptr, 0}, &plugin);
  if (made.code != 0 || plugin == nullptr) return std::printf("create: %d\n", made.code), 1;
  tl_result schema = d->describe_schema(plugin);
  const int code = schema.code;
  const size_t size = schema.value.size;
  d->free_bytes(schema.value);
  d->free_bytes(schema.message);
  d->destroy(plugin);
  if (code != 0 || size == 0) return std::printf("describe_schema: %d\n", code), 1;
  std::printf("%s %s (ABI %u.%u): schema of %zu bytes\n", d->provider_id, d->plugin_version,
              d->abi_major, d->abi_minor, size);
  return 0;
}
PROBE
c++ -std=c++20 -I"$prefix/include" "$tmp/probe.cc" -o "$tmp/probe" -ldl >"$log" 2>&1 ||
  fail "building the load probe against the installed abi.h"
"$tmp/probe" "$plugin_dir/trunkline_twilio.so" twilio >"$log" 2>&1 ||
  fail "trunkline_twilio.so does not load: $(cat "$log")"
step "probe: $(cat "$log")"
trunkctl="$build_dir/tools/trunkctl/trunkctl"
if [ -x "$trunkctl" ]; then
  "$trunkctl" --data-dir "$tmp/data" plugins list --plugin-dir "$plugin_dir" >"$log" 2>&1 ||
    fail "trunkctl plugins list --plugin-dir <out-of-tree build>"
  grep -q "refused" "$log" && fail "the host refused the out-of-tree trunkline_twilio.so"
  grep -q "^twilio .*trunkline_twilio.so$" "$log" ||
    fail "trunkctl plugins list does not list the out-of-tree twilio plugin"
  step "trunkctl plugins list: $(cat "$log")"
else
  step "trunkctl is not built in $build_dir: the host's own load check is skipped"
fi

# 4. Version requests: 1.0 is met by this 1.1 SDK; 2.0 fails at configure time, saying why.
request() {
  mkdir -p "$tmp/request-$1"
  printf 'cmake_minimum_required(VERSION 3.25)\nproject(request LANGUAGES NONE)\n%s\n' \
    "find_package(trunkline-plugin-sdk $1 REQUIRED)" >"$tmp/request-$1/CMakeLists.txt"
  cmake -S "$tmp/request-$1" -B "$tmp/request-$1/build" -DCMAKE_PREFIX_PATH="$prefix" >"$log" 2>&1
}
request 1.0 || fail "find_package(trunkline-plugin-sdk 1.0) is not met by the installed SDK"
if request 2.0; then
  fail "find_package(trunkline-plugin-sdk 2.0) was met by an SDK of ABI major 1"
fi
grep -q "needs an SDK of major 2" "$log" ||
  fail "find_package(trunkline-plugin-sdk 2.0) failed without saying why"
step "a request for 1.0 is met; a request for 2.0 fails at configure time:"
tr -s ' \n' ' ' <"$log" | grep -o 'version: [^)]*)' | sed 's/^/sdk-check:   /'

step "OK ($(($(date +%s) - start)) s)"
