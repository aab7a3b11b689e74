#!/usr/bin/env bash
# Installs every build and test dependency of trunkline on Debian 12. Run as root.
# Idempotent: when everything is present it only checks and exits.
#
# msgpack-c's C++ headers need care: Debian's libmsgpack-cxx-dev depends on the Boost 1.74
# dev packages, which conflict with Boost 1.81. The package is header-only, so its .deb is
# downloaded and unpacked into $TRUNKLINE_DEPS_DIR/msgpack, which the build adds to
# CMAKE_PREFIX_PATH (see CMakeLists.txt).
set -euo pipefail

deps_dir="${TRUNKLINE_DEPS_DIR:-/opt/trunkline-deps}"

packages=(
  build-essential cmake ninja-build pkg-config git
  librocksdb-dev
  libboost1.81-dev libboost-filesystem1.81-dev libboost-system1.81-dev
  libboost-json1.81-dev libboost-url1.81-dev libboost-program-options1.81-dev
  libssl-dev libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev libspdlog-dev libfmt-dev libjemalloc-dev
  time wrk curl jq python3
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

msgpack_config="$deps_dir/msgpack/usr/lib/x86_64-linux-gnu/cmake/msgpack-cxx/msgpack-cxx-config.cmake"
if ! compgen -G "$deps_dir/msgpack/usr/lib/*/cmake/msgpack*/*onfig.cmake" >/dev/null; then
  echo "bootstrap: unpacking libmsgpack-cxx-dev into $deps_dir/msgpack"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && apt-get download libmsgpack-cxx-dev >/dev/null 2>&1) || {
    as_root apt-get update -qq
    (cd "$tmp" && apt-get download libmsgpack-cxx-dev)
  }
  as_root mkdir -p "$deps_dir/msgpack"
  as_root dpkg-deb -x "$tmp"/libmsgpack-cxx-dev_*.deb "$deps_dir/msgpack"
fi
unset msgpack_config
echo "bootstrap: all dependencies present (msgpack headers in $deps_dir/msgpack)"
