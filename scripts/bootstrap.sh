#!/usr/bin/env bash
# One command from a fresh Debian 12 clone to a running evmatch:
#   scripts/bootstrap.sh              install what is missing, build (release
#                                     preset), run the bundled example
#   scripts/bootstrap.sh --deps-only  only install what is missing
#   scripts/bootstrap.sh --deps-only --fuzz
#                                     also clang and its libFuzzer runtime
#                                     (the `fuzz` preset, scripts/fuzz.sh)
# Idempotent: apt-get runs only when a package is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  g++ cmake ninja-build pkg-config python3
  libsimdjson-dev libabsl-dev
  catch2 libbenchmark-dev unicode-data zlib1g-dev
  libssl-dev libisal-dev
  python3-dev pybind11-dev python3-pybind11 python3-pytest python3-venv
  python3-setuptools python3-wheel
  libdeflate-dev libre2-dev  # gzip events (evmatch match); RE2 only in bench/
  libxxhash-dev  # header only: the matcher image's hash and checksum
  libhiredis-dev redis-server  # evmatch-router (event bus on Redis Streams), its tests
)

deps_only=0
for arg in "$@"; do
  case "$arg" in
    --deps-only) deps_only=1 ;;
    --fuzz) packages+=(clang libclang-rt-14-dev) ;;
    *) echo "bootstrap: unknown option $arg" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  echo "bootstrap: installing ${missing[*]}"
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "bootstrap: all packages present"
fi
((deps_only)) && exit 0

cmake --preset release
cmake --build --preset release
echo
echo "== evmatch match --rules examples/rules.json --events examples/events.ndjson"
build/release/cli/evmatch match --rules examples/rules.json --events examples/events.ndjson
