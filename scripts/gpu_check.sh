#!/usr/bin/env bash
# Runs tolk's CUDA execution path on a GPU machine that cannot install tolk (no package
# registry, another Python): the CUDA validation tests, the CUDA hostile suite, the
# soundness self-test and the throughput bench, each with its own time limit.
#
# It needs python3 with hypothesis, jinja2 and rich, nvcc, nvidia-smi and bubblewrap.
# Missing pieces can travel beside the checkout:
#   .whl/*.whl   tree-sitter and the grammar wheels for that Python (pip download ...)
#   .gpu/bwrap.real plus its shared libraries, when the machine has no bwrap
# Results go to $OUT (default: a temp dir): one log per step and the JSON reports.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$(mktemp -d)}
PY=${PYTHON:-python3}
STEP_TIMEOUT=${STEP_TIMEOUT:-240}
BENCH_LIMIT=${BENCH_LIMIT:-8}            # candidates in the bench (floor and single are slow)
SELFTEST_MUTANTS=${SELFTEST_MUTANTS:-6}  # mutants per function in the self-test
mkdir -p "$OUT"

if compgen -G "$here/.whl/*.whl" >/dev/null; then
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/tolk-wheels "$here"/.whl/*.whl || exit 1
    export PYTHONPATH=/tmp/tolk-wheels${PYTHONPATH:+:$PYTHONPATH}
fi

# pyproject maps top-level folders into the `tolk` package (tolk.ir is ./ir, ...). Without
# an install, a sitecustomize finder does the same mapping, whatever the cwd.
mkdir -p /tmp/tolk-src
cat >/tmp/tolk-src/sitecustomize.py <<PY
import importlib.abc, importlib.util, sys
_DIRS = {f"tolk.{d}": f"$here/{d}" for d in
         ("ir", "translators", "validators", "toolchains", "corpus", "flows")}
class _TolkFolders(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        d = _DIRS.get(name)
        return d and importlib.util.spec_from_file_location(
            name, d + "/__init__.py", submodule_search_locations=[d])
sys.meta_path.append(_TolkFolders())
PY
export PYTHONPATH=/tmp/tolk-src:$here${PYTHONPATH:+:$PYTHONPATH}

if ! command -v bwrap >/dev/null && [ -x "$here/.gpu/bwrap.real" ]; then
    mkdir -p /tmp/tolk-bin
    printf '#!/bin/sh\nLD_LIBRARY_PATH=%s exec %s "$@"\n' "$here/.gpu" "$here/.gpu/bwrap.real" \
        > /tmp/tolk-bin/bwrap
    chmod +x /tmp/tolk-bin/bwrap
    export PATH=/tmp/tolk-bin:$PATH
fi

STEPS=${STEPS:-diag bwrap tests hostile selftest bench}  # which steps to run
step() {  # step NAME COMMAND...: run with a limit, log to $OUT/NAME.log, keep going
    local name=$1; shift
    [[ " $STEPS " == *" $name "* ]] || return 0
    local t0=$SECONDS
    echo "== $name: $*"
    timeout -k 10 "$STEP_TIMEOUT" "$@" >"$OUT/$name.log" 2>&1
    local rc=$?
    tail -n 25 "$OUT/$name.log"
    echo "== $name: rc=$rc in $((SECONDS - t0)) s"
}

{
    nvidia-smi -L; nvcc --version | tail -n 2; "$PY" --version
    bwrap --version; uname -r; id
    ldconfig -p | grep -E 'libcuda\.so|libnvidia-ml' | head -n 4
} >"$OUT/env.log" 2>&1
cat "$OUT/env.log"

cd "$here"
step diag "$PY" -c '
from tolk.validators.sandbox import available_executors
from tolk.toolchains.cuda import CUDA
from tests.test_cuda_validate import SIG, SUITE, LIMITS, candidate
from tolk.validators.validate import validate_candidate
print("executors:", available_executors()); print("runtime problem:", CUDA.runtime_problem())
v = validate_candidate(candidate(), SIG, SUITE, CUDA, LIMITS)
print(v.status, v.ran_on, v.reason); print(v.compiler_output[-3000:]); print(v)'
step bwrap bwrap --unshare-all --die-with-parent --ro-bind / / --dev /dev --proc /proc id
step tests "$PY" -m pytest -q -p no:cacheprovider tests/test_cuda_validate.py \
    tests/test_cuda_harness.py tests/test_cuda_static.py tests/test_cuda_parallel.py
step hostile "$PY" -m pytest -q -p no:cacheprovider tests/test_hostile.py -k cuda
step selftest "$PY" -c '
import argparse, sys
from tolk.flows.cli_selftest import add_selftest_parser, selftest_command
p = argparse.ArgumentParser(); add_selftest_parser(p.add_subparsers(dest="cmd"))
sys.exit(selftest_command(p.parse_args(sys.argv[1:])))' \
    selftest --to cuda --no-progress --max-mutants-per-function "$SELFTEST_MUTANTS" \
    --json "$OUT/selftest.json"
step bench "$PY" bench/validate.py --langs cuda --repeat 1 --limit "$BENCH_LIMIT" --json "$OUT/bench.json"
