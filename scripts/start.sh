#!/usr/bin/env bash
# Starts the whole system on http://127.0.0.1:5000: set-up, demo data, the timer scheduler and the web
# server. SQLite under instance/ unless DATABASE_URL is set. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ "${EGOV_ENV:-development}" != "production" ]; then
  .venv/bin/flask --app webapp seed-demo
fi

if [ "${EGOV_ENV:-development}" = "production" ]; then
  # /metrics adds up the counters of every gunicorn worker and the scheduler (prometheus_client multiprocess)
  export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-$PWD/instance/prometheus}"
  rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
fi

.venv/bin/flask --app webapp scheduler &
scheduler=$!
trap 'kill $scheduler 2>/dev/null || true' EXIT INT TERM

if [ "${EGOV_ENV:-development}" = "production" ]; then
  EGOV_BIND=127.0.0.1:5000 .venv/bin/gunicorn --config deploy/gunicorn.conf.py 'webapp:create_app()'
else
  .venv/bin/flask --app webapp run --host 127.0.0.1 --port 5000
fi
