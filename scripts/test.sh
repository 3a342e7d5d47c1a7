#!/usr/bin/env bash
# One command for a fresh Debian 12 machine: installs build + test
# dependencies, builds everything warning-free, runs every test (ctest).
#   scripts/test.sh [BUILD_DIR] [extra cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
shift || true
bash scripts/install-deps.sh --test
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DJOBMON_WERROR=ON -DJOBMON_BUILD_TESTS=ON -DJOBMON_BUILD_PYTHON=ON "$@" > /dev/null
cmake --build "$BUILD" -j"$(nproc)"
ctest --test-dir "$BUILD" --output-on-failure -j"$(nproc)"
