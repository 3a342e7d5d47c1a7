#!/usr/bin/env bash
# Idempotent installer for jobmon's build and test dependencies (Debian 12).
# Usage: scripts/install-deps.sh [--test]   (--test adds what the test suite needs)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

build_pkgs=(
  build-essential cmake pkg-config
  libboost-json1.81-dev
  libfmt-dev libcurl4-openssl-dev libcli11-dev libsimdjson-dev libexpat1-dev
)
test_pkgs=(catch2 tmux python3-dev pybind11-dev python3-pytest chromium curl awscli clang-15 libfuzzer-15-dev
  slurm-wlm slurmdbd munge mariadb-server  # the real Slurm cluster of tests/e2e/test_slurm_*.sh
  prometheus prometheus-alertmanager)      # promtool checks and the alerting test (tests/e2e/test_alerts.sh)

want=("${build_pkgs[@]}")
if [[ "${1:-}" == "--test" ]]; then
  want+=("${test_pkgs[@]}")
  # Node may come from elsewhere (NodeSource bundles npm): only ask apt when absent.
  if ! command -v npm > /dev/null; then want+=(nodejs npm); fi
fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#want[@]} packages present"
else
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [[ "${1:-}" == "--test" ]]; then
  # Node packages, pinned by their package-lock.json files, only when missing:
  # playwright-core drives Debian's chromium (it never downloads a browser);
  # s3rver is the S3 tests' local server.
  if [[ ! -d "$ROOT/tests/browser/node_modules/playwright-core" ]]; then
    echo "install-deps: npm ci in tests/browser"
    (cd "$ROOT/tests/browser" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
  fi
  if [[ ! -x "$ROOT/tests/s3/node_modules/.bin/s3rver" ]]; then
    echo "install-deps: npm ci in tests/s3"
    (cd "$ROOT/tests/s3" && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
