"""Record the replay cassette `data/replay/cassette.jsonl` from the human-written answers.

    .venv/bin/python scripts/record_cassette.py           # (re)write the cassette
    .venv/bin/python scripts/record_cassette.py --check   # exit 1 if it is stale

Key contracts: answers live one per file, readable, under `data/replay/answers/<strategy>/
<function>.<target>.r<round>.md` (target `python` for via-ir rewrites), written as a model
would answer (prose, fences, some wrong on purpose). The programs they answer are under
`data/replay/programs/<strategy>/`. This script runs the real pipeline
(`tolk.flows.shard.process_shard`, default settings, so `tolk translate` and `tolk run`
with defaults produce the same requests) with a scripted backend that looks each request
up by (strategy, function, target, round) — read back from the prompt with
`prompts.describe` — and records every answered request through the replay backend's
`RecordingBackend`, so the cassette is keyed by the exact prompt hash. Repair rounds see
the real validation feedback of the earlier round, so keys of round 1 depend on it.
`cassette.meta.json` records the prompt template version the cassette was made with; a
test fails when the templates change and the cassette was not re-recorded.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Sequence

ROOT = Path(__file__).resolve().parents[1]
REPLAY = ROOT / "data" / "replay"
ANSWERS = REPLAY / "answers"
PROGRAMS = REPLAY / "programs"
CASSETTE = REPLAY / "cassette.jsonl"
META = REPLAY / "cassette.meta.json"
MODEL = "tolk-human-replay"
_NAME = re.compile(r"^(?P<function>\w+)\.(?P<target>\w+)\.r(?P<round>\d+)\.md$")
STRATEGY_DIRS = {"direct": "direct", "via-ir": "via_ir", "draft": "draft"}


def load_answers() -> dict[tuple[str, str, str, int], str]:
    out = {}
    for strategy in STRATEGY_DIRS:
        for f in sorted((ANSWERS / strategy).glob("*.md")):
            m = _NAME.match(f.name)
            if m is None:
                raise SystemExit(f"{f}: name must be <function>.<target>.r<round>.md")
            out[(strategy, m["function"], m["target"], int(m["round"]))] = f.read_text()
    return out


class ScriptedBackend:
    """Answers from the human-written files; a request without one gets replay_missing."""

    name = "replay"
    model = MODEL
    model_revision = "human-v1"

    def __init__(self, answers: dict[tuple[str, str, str, int], str]) -> None:
        self.answers = answers
        self.used: set[tuple[str, str, str, int]] = set()

    def generate(self, requests: Sequence["LLMRequest"]) -> list["LLMResponse"]:
        from tolk.translators.llm import LLMResponse
        from tolk.translators.prompts import describe
        out = []
        for req in requests:
            d = describe(req.messages)
            key = (d["strategy"], d["function"], d["target"], d["round"])
            text = self.answers.get(key)
            if text is None:
                out.append(LLMResponse((), self.model, self.model_revision,
                                       error=f"replay_missing: no answer for {key}"))
                continue
            self.used.add(key)
            words_in = sum(len(c.split()) for _, c in req.messages)
            out.append(LLMResponse((text,), self.model, self.model_revision,
                                   tokens_in=words_in, tokens_out=len(text.split()),
                                   latency_s=0.0))
        return out


def record(cassette: Path) -> tuple[set[tuple[str, str, str, int]], set[tuple[str, str, str, int]]]:
    """Run every strategy's programs through the pipeline; (used, unused) answer keys."""
    from tolk.flows.config import BuildConfig
    from tolk.flows.shard import process_shard
    from tolk.ir.function import Program, content_id
    from tolk.translators.backend_replay import RecordingBackend

    answers = load_answers()
    scripted = ScriptedBackend(answers)
    backend = RecordingBackend(scripted, cassette)
    for strategy, folder in STRATEGY_DIRS.items():
        src = PROGRAMS / folder
        programs = [Program(content_id(p.read_text()), str(p), p.read_text())
                    for p in sorted(src.glob("*.py"))]
        with tempfile.TemporaryDirectory() as out:
            config = BuildConfig(source=str(src), out=out, translator="replay",
                                 cassette=str(cassette), strategy=strategy,
                                 langs=["fortran", "cobol", "julia", "cuda"])
            res = process_shard(programs, config, run_id="record", shard=strategy,
                                backend=backend)
        for row in res.samples:
            print(f"  {strategy:7} {row['function']:20} {row['lang']:8} round "
                  f"{row['repair_round']}: passed", file=sys.stderr)
        for row in res.rejects:
            if row["function"]:
                print(f"  {strategy:7} {row['function']:20} {row['lang'] or '-':8} "
                      f"{row['stage']}: {row['reason']}", file=sys.stderr)
    return scripted.used, set(answers) - scripted.used


def _keys(path: Path) -> set[tuple[str, str]]:
    """(prompt hash, answers) of every line: a changed prompt or answer makes it stale."""
    if not path.exists():
        return set()
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return {(r["key"], json.dumps(r["texts"])) for r in rows}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true", help="exit 1 if the cassette is stale")
    args = p.parse_args(argv)
    from tolk.translators.prompts import template_version
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "cassette.jsonl"
        used, unused = record(fresh)
        if unused:
            print(f"answers no request asked for (stale names or earlier rounds passed): "
                  f"{sorted(unused)}", file=sys.stderr)
        if args.check:
            stale = _keys(fresh) != _keys(CASSETTE)
            print("cassette is " + ("STALE: run scripts/record_cassette.py" if stale
                                     else "up to date"), file=sys.stderr)
            return 1 if stale or unused else 0
        lines = sorted(fresh.read_text().splitlines())  # stable order for reviews
        CASSETTE.write_text("\n".join(lines) + "\n")
    META.write_text(json.dumps({"prompt_version": template_version(), "requests": len(lines),
                                "answers": len(used), "model": MODEL}, indent=1) + "\n")
    print(f"wrote {CASSETTE} ({len(lines)} requests, {len(used)} answers)", file=sys.stderr)
    return 1 if unused else 0


if __name__ == "__main__":
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    sys.exit(main())
