#!/usr/bin/env bash
# The main job on the embedded default: build_corpus over the seed corpus with the
# IR-lowering translator (no GPU, no model), into out/demo. Extra flags go to `tolk run`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PREFECT_SERVER_ANALYTICS_ENABLED=false
exec .venv/bin/tolk run --source data/seed --to fortran,cobol,julia,cuda --out out/demo "$@"
