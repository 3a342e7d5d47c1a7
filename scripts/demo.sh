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
echo
echo '$ jobmon-status --once demo/logs        (one frame of the --watch dashboard)'
COLUMNS=100 ./build/tools/jobmon-status/jobmon-status --once demo/logs 2>/dev/null || true
echo
echo '$ jobmon-status demo/runs             (fine-tuning runs)'
./build/tools/jobmon-status/jobmon-status demo/runs || true
echo
echo '$ jobmon-snapshot --human-readable demo/outputs/failed_job'
./build/tools/jobmon-snapshot/jobmon-snapshot --human-readable demo/outputs/failed_job || true
echo
echo "Next: ./build/tools/jobmon-status/jobmon-status --watch -i 2 demo/logs   (q quits)"
echo "      ./build/tools/jobmon-serve/jobmon-serve demo/logs demo/outputs demo/runs   (then open http://127.0.0.1:8787/)"
