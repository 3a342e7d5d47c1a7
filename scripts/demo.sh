#!/usr/bin/env bash
# One command for a fresh Debian 12 machine: installs what the build needs,
# builds jobmon, makes demo data and runs jobmon-status on it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DJOBMON_BUILD_TESTS=OFF > /dev/null
cmake --build build -j"$(nproc)"
bash scripts/make_demo_data.sh demo/logs
echo
echo '$ jobmon-status demo/logs'
./build/tools/jobmon-status/jobmon-status demo/logs || true
echo
echo '$ jobmon-status --failed --hide-complete demo/logs'
./build/tools/jobmon-status/jobmon-status --failed --hide-complete demo/logs || true
