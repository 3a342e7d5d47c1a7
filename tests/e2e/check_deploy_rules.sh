#!/usr/bin/env bash
# The shipped Prometheus rules and Grafana dashboard: promtool checks the
# rules and runs their unit tests; the dashboard queries only metrics jobmon
# documents. Exit 77 (skip) without promtool.
set -euo pipefail
DEPLOY="$(cd "${1:?usage: check_deploy_rules.sh DEPLOY_DIR}" && pwd)"
if ! command -v promtool > /dev/null; then
  echo "SKIP: promtool not installed (scripts/install-deps.sh --test installs prometheus)"
  exit 77
fi
cd "$DEPLOY/prometheus"
promtool check rules jobmon.rules.yml
promtool test rules jobmon.rules.test.yml
promtool check config --syntax-only prometheus.yml
# Every metric the rules and the dashboard name is one README documents.
README="$DEPLOY/../README.md"
names=$(grep -ohE 'jobmon_[a-z_]+' jobmon.rules.yml "$DEPLOY/grafana/jobmon.json" | sort -u)
missing=0
for n in $names; do
  if ! grep -q "\`$n\`" "$README"; then echo "FAIL: $n is used but not documented in README's Metrics table"; missing=1; fi
done
[[ $missing == 0 ]] || exit 1
echo "ok: rules checked and tested; $(echo "$names" | wc -l) metric names documented"
