"""An OpenAI-compatible server that dies mid-run: the run finishes, the functions asked
after the death are recorded as failures with the reason, and what passed before stays."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests._openai_server import fake_openai_server
from tolk.corpus.store import scan_rejects, scan_samples, write_shard
from tolk.flows.config import BuildConfig
from tolk.flows.shard import process_shard
from tolk.ir.frontend import analyze_source
from tolk.ir.function import Function, Program, content_id
from tolk.lang import Lang
from tolk.toolchains.fortran import FORTRAN
from tolk.translators.backend_openai import OpenAIBackend

pytestmark = pytest.mark.skipif(FORTRAN.availability() is not None, reason="gfortran unavailable")

SEED = Path(__file__).resolve().parents[1] / "data" / "seed" / "arrays.py"


def _lowered() -> dict[str, str]:
    """Each seed function's lowered Fortran: what a perfect model would answer."""
    return {fn.name: FORTRAN.lower(fn) for fn in analyze_source(SEED.read_text(), uri="arrays.py")
            if isinstance(fn, Function) and fn.body is not None}


def test_server_death_mid_run_keeps_what_passed_and_records_the_rest(tmp_path: Path) -> None:
    answers = _lowered()

    def answer(body: dict[str, Any], i: int) -> str:
        name = re.findall(r"def (\w+)\(", body["messages"][-1]["content"])[-1]
        return f"Here is the Fortran module:\n\n```fortran\n{answers[name]}```\nIt keeps the contract."

    text = SEED.read_text()
    program = Program(content_id(text), "arrays.py", text)
    config = BuildConfig(source=str(SEED.parent), out=str(tmp_path), translator="openai",
                         model="fake-coder", base_url="http://unused", langs=[Lang.FORTRAN],
                         repair_rounds=0, batch_size=4, workers=1, n_inputs=20)
    with fake_openai_server(answer=answer, die_after=5) as srv:
        backend = OpenAIBackend(srv.url, "fake-coder", concurrency=1, max_retries=1,
                                backoff_s=0.01)
        res = process_shard([program], config, run_id="r", shard="s", backend=backend)
    write_shard(tmp_path, "s", res.samples, res.rejects, dict(res.stats))

    samples = scan_samples(tmp_path).collect()
    rejects = scan_rejects(tmp_path).collect()
    # Everything answered before the death was validated and kept, with its provenance.
    assert srv.answered == 5
    assert samples.height == 5
    assert set(samples["translator"]) == {"openai"} and set(samples["model"]) == {"fake-coder"}
    # Everything asked after it is a failure with the reason; nothing is lost.
    reasons = Counter(r for r in rejects["reason"] if r.startswith("llm_error"))
    assert reasons and all(r.startswith("llm_error:llm_unreachable") for r in reasons)
    lowerable = len(answers)
    assert samples.height + sum(reasons.values()) == lowerable, reasons
    assert res.stats["llm_errors"] == sum(reasons.values())
