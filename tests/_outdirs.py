"""Synthetic output directories (store shards, plan, timing) for status and report tests."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from tolk.corpus.store import SAMPLE_SCHEMA, write_shard
from tolk.flows.runlog import write_timing


def sample(i: int, lang: str = "fortran", strategy: str = "direct",
           translator: str = "lowering") -> dict[str, Any]:
    row: dict[str, Any] = {k: 0 if t.is_integer() else 0.0 if t.is_float() else ""
                           for k, t in SAMPLE_SCHEMA.items()}
    row.update(id=f"s{i}-{lang}", function=f"f{i}", lang=lang, translator=translator,
               strategy=strategy, source_uri=f"src/m{i}.py", repair_round=0,
               vectors_passed=10, vectors_total=10,
               created_at=datetime(2026, 1, 1, tzinfo=timezone.utc))
    return row


def reject(i: int, reason: str, *, stage: str = "validate", lang: str = "fortran",
           detail: str = "") -> dict[str, Any]:
    return {"stage": stage, "reason": reason, "family": reason.split(":")[0],
            "source_id": f"id{i}", "source_uri": f"src/r{i}.py", "function": f"g{i}",
            "lang": lang, "detail": detail or f"detail {i}", "run_id": "r", "shard": "x",
            "target_code": "", "ran_on": ""}


def make_out(out: Path, shards: dict[str, tuple[list, list, dict]], *,
             planned: list[str] | None = None, planning: bool = False,
             t0: float = 1_000_000.0) -> Path:
    """Write complete shards (samples, rejects, stats), a plan and timing files."""
    planned = planned if planned is not None else list(shards)
    out.mkdir(parents=True, exist_ok=True)
    (out / "plan-shards.jsonl").write_text(
        "".join(json.dumps({"shard": s, "programs": 2}) + "\n" for s in planned))
    (out / "plan.json").write_text(json.dumps({
        "run_id": "r", "planning": planning, "programs": 2 * len(planned),
        "shards": planned if not planning else len(planned),
        "config": {"langs": ["fortran", "cobol"]}}))
    for k, (name, (samples, rejects, stats)) in enumerate(shards.items()):
        write_shard(out, name, samples, rejects, stats)
        write_timing(out, name, start=t0 + 10 * k, end=t0 + 10 * k + 8, programs=2,
                     samples=len(samples), rejects=len(rejects), run_id="r", host="h",
                     passed={"fortran": len(samples)})
    return out
