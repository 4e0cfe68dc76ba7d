#!/usr/bin/env bash
# A CeleryExecutor Airflow on this machine for a workspace (two workers; PostgreSQL and Redis on localhost).
# Usage: tools/celery_cluster.sh /path/to/ws [--home DIR]   — Ctrl-C stops it and drops its databases.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
py="${PYTHON:-$root/.venv/bin/python}"
PYTHONPATH="$root${PYTHONPATH:+:$PYTHONPATH}" exec "$py" -m docgen.airflow_cluster "$@"
