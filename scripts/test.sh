#!/usr/bin/env bash
# The whole test suite, slow integration tests included. For a quick loop during
# development: .venv/bin/pytest (which skips the tests marked slow).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --llm
export PREFECT_SERVER_ANALYTICS_ENABLED=false
exec .venv/bin/python -m pytest -m "slow or not slow" "$@"
