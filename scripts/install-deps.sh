#!/usr/bin/env bash
# Idempotent installer for jobmon's build and test dependencies (Debian 12).
# Usage: scripts/install-deps.sh [--test]   (--test adds what the test suite needs)
set -euo pipefail

build_pkgs=(
  build-essential cmake pkg-config
  libboost-json1.81-dev libboost-filesystem1.81-dev
  libfmt-dev libcurl4-openssl-dev libcli11-dev libsimdjson-dev libexpat1-dev
)
test_pkgs=(catch2 tmux python3-dev pybind11-dev python3-pytest awscli nodejs)

want=("${build_pkgs[@]}")
if [[ "${1:-}" == "--test" ]]; then want+=("${test_pkgs[@]}"); fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# The S3 tests' server (s3rver, pinned by tests/s3/package-lock.json), only when missing.
install_s3rver() {
  local dir; dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/s3"
  if [[ ! -x "$dir/node_modules/.bin/s3rver" ]]; then
    # Debian splits npm from nodejs; NodeSource's nodejs already has it.
    if ! command -v npm > /dev/null; then
      if [[ $(id -u) -ne 0 ]]; then sudo apt-get install -y -qq --no-install-recommends npm
      else apt-get install -y -qq --no-install-recommends npm; fi
    fi
    echo "install-deps: npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}
if [[ "${1:-}" == "--test" ]]; then trap install_s3rver EXIT; fi

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#want[@]} packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
