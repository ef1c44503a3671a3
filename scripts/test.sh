#!/usr/bin/env bash
# Checks the import rules, then runs the whole test suite (engine, models, API, UI, browser) and measures its
# coverage. Installs what it needs first, including Debian's Chromium for the browser tests.
# DATABASE_URL=postgresql://... runs it on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian's Chromium for the browser tests, and a CJK font so their screenshots show Chinese.
if [ ! -x /usr/bin/chromium ] || ! fc-list :lang=zh 2>/dev/null | grep -q .; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
fi
bash scripts/setup.sh >/dev/null
.venv/bin/lint-imports --no-cache  # the import rules of .importlinter (docs/architecture.md): a violation fails the run
# Under coverage.py (subprocesses included, .coveragerc); the whole suite must cover >= 90 % of the lines
# of engine/ and webapp/. A run of chosen tests (arguments given) prints the figures without the floor.
rm -rf .coverage-data
status=0
.venv/bin/python -m coverage run -m pytest "$@" || status=$?
.venv/bin/python -m coverage combine -q
.venv/bin/python -m coverage report --skip-covered --sort=cover
.venv/bin/python -m coverage json -q -o .coverage-data/totals.json
.venv/bin/python scripts/coverage_floor.py .coverage-data/totals.json || { [ $# -gt 0 ] || status=1; }
exit $status
