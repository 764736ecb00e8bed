#!/usr/bin/env bash
# One command from a fresh Debian 12 clone to a running evmatch:
#   scripts/bootstrap.sh              install what is missing, build (release
#                                     preset), run the bundled example
#   scripts/bootstrap.sh --deps-only  only install what is missing
# Idempotent: apt-get runs only when a package is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  g++ cmake ninja-build pkg-config python3
  libsimdjson-dev libabsl-dev
  catch2 libbenchmark-dev unicode-data zlib1g-dev
)

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
[[ "${1:-}" == "--deps-only" ]] && exit 0

cmake --preset release
cmake --build --preset release
echo
echo "== evmatch match --rules examples/rules.json --events examples/events.ndjson"
build/release/cli/evmatch match --rules examples/rules.json --events examples/events.ndjson
