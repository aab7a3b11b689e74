#!/usr/bin/env bash
# The main job on the embedded defaults: installs dependencies, builds, and runs it.
# For now the main job is the journal benchmark on this machine's disk.
#   scripts/run.sh             (BUILD_DIR defaults to ./build, data under ./trunkline-data)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${BUILD_DIR:-build}"
data_dir="${TRUNKLINE_DATA_DIR:-trunkline-data}"

bash scripts/bootstrap.sh
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target trunkline-bench
mkdir -p "$data_dir/bench"
"$build_dir/tools/bench/trunkline-bench" journal --dir "$data_dir/bench" "$@"
