#!/usr/bin/env bash
# The test command: installs dependencies, configures, builds, and runs every test; then the
# plugin author kit: the SDK installed and the Twilio plugin built against it alone
# (scripts/sdk-check.sh), and plugins/README.md followed literally: the Telnyx plugin built
# and tested out of tree, checked, loaded into trunkd in sandbox mode and synced
# (scripts/plugin-guide-check.sh).
#   scripts/test.sh            (BUILD_DIR defaults to ./build)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${BUILD_DIR:-build}"
jobs="${JOBS:-$(nproc)}"

bash scripts/bootstrap.sh
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build "$build_dir" -j "$jobs"
ctest --test-dir "$build_dir" --output-on-failure -j "$jobs" --timeout 600
BUILD_DIR="$build_dir" bash scripts/sdk-check.sh
bash scripts/plugin-guide-check.sh
