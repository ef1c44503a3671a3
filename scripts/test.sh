#!/usr/bin/env bash
# Runs the whole test suite (engine, models, API, UI, browser). Installs what it needs first,
# including Debian's Chromium for the browser tests. DATABASE_URL=postgresql://... runs it on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian's Chromium for the browser tests, and a CJK font so their screenshots show Chinese.
if [ ! -x /usr/bin/chromium ] || ! fc-list :lang=zh 2>/dev/null | grep -q .; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
fi
bash scripts/setup.sh >/dev/null
.venv/bin/python -m pytest "$@"
