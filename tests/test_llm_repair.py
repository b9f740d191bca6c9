"""The repair loop in the shard: batched rounds, compiler/test feedback, repair provenance,
the store's new columns and the funnel's per-strategy numbers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tolk.corpus.funnel import compute_funnel
from tolk.corpus.store import scan_samples, write_shard
from tolk.flows.config import BuildConfig
from tolk.flows.shard import process_shard
from tolk.ir.frontend import analyze_source
from tolk.ir.function import Function, Program, content_id
from tolk.lang import Lang
from tolk.toolchains.registry import get_toolchain
from tolk.translators import prompts
from tolk.translators.llm import LLMRequest, LLMResponse

SRC = '''
def add3(a: int, b: int) -> int:
    """Return a plus b plus three."""
    return a + b + 3


def twice(x: int) -> int:
    """Return two times x."""
    return 2 * x
'''


def lowered(name: str, lang: str) -> str:
    f = next(f for f in analyze_source(SRC) if isinstance(f, Function) and f.name == name)
    return get_toolchain(Lang(lang)).lower(f)


class Flaky:
    """Round 0: add3 is wrong and twice does not compile; round 1: both are right."""

    name = "replay"
    model = "flaky"
    model_revision = ""

    def __init__(self, always_wrong: bool = False) -> None:
        self.calls: list[list[LLMRequest]] = []
        self.always_wrong = always_wrong

    def generate(self, requests: Sequence[LLMRequest]) -> list[LLMResponse]:
        self.calls.append(list(requests))
        out = []
        for r in requests:
            d = prompts.describe(r.messages)
            code = lowered(d["function"], d["target"])
            if d["round"] == 0 or self.always_wrong:
                code = (code.replace("3_int64", "4_int64") if d["function"] == "add3"
                        else code.replace("res =", "res = = ", 1))
            out.append(LLMResponse((f"Answer:\n```fortran\n{code}```",), "flaky",
                                   tokens_in=100, tokens_out=20, latency_s=0.25))
        return out


def run(tmp_path: Path, backend: Flaky, repair_rounds: int = 2):
    config = BuildConfig(source=str(tmp_path), out=str(tmp_path / "out"), translator="replay",
                         langs=["fortran"], n_inputs=12, repair_rounds=repair_rounds)
    res = process_shard([Program(content_id(SRC), "mem.py", SRC)], config, run_id="r",
                        shard="s0", backend=backend)
    return config, res


def test_failures_are_repaired_with_feedback_in_batched_rounds(tmp_path: Path) -> None:
    backend = Flaky()
    config, res = run(tmp_path, backend)
    # one backend call per round, every open conversation of the chunk in it
    assert [len(c) for c in backend.calls] == [2, 2]
    assert sorted((s["function"], s["repair_round"]) for s in res.samples) == \
        [("add3", 1), ("twice", 1)]
    add3 = next(s for s in res.samples if s["function"] == "add3")
    assert "4_int64" in add3["repair_from_code"]
    assert "expected result is 3" in add3["repair_feedback"] and "gave 4" in add3["repair_feedback"]
    twice = next(s for s in res.samples if s["function"] == "twice")
    assert "compiler rejected" in twice["repair_feedback"]
    assert "/tmp/" not in twice["repair_feedback"]
    for s in res.samples:
        assert (s["tokens_in"], s["tokens_out"], s["latency_s"]) == (100, 20, 0.25)
        assert s["prompt_version"] == prompts.template_version() and s["model"] == "flaky"
        assert s["prompt_hash"] == backend.calls[1][0].key or \
            s["prompt_hash"] == backend.calls[1][1].key
    # the failed round-0 candidates are kept as rejects with their code
    assert sorted(r["reason"] for r in res.rejects) == ["compile_error", "wrong_answer"]
    assert all(r["target_code"] for r in res.rejects)
    # round 1's prompt carries round 0's answer and the feedback
    second = backend.calls[1][0].messages
    assert [r for r, _ in second] == ["system", "user", "assistant", "user"]

    write_shard(Path(config.out), "s0", res.samples, res.rejects, dict(res.stats))
    stored = scan_samples(Path(config.out)).collect()
    assert stored["tokens_in"].to_list() == [100, 100]
    assert set(stored["repair_round"].to_list()) == {1}
    funnel = compute_funnel(Path(config.out), ["fortran"])
    (row,) = funnel.strategies()
    assert (row.strategy, row.lang, row.tested, row.candidates, row.passed) == \
        ("direct", "fortran", 2, 4, 2)
    assert (row.pass_at_1, row.pass_after_repair) == (0.0, 1.0)
    speed = funnel.translation_speed()
    assert speed is not None and speed.requests == 4 and speed.tokens_out == 80
    assert speed.candidates == 4
    md = funnel.to_markdown()
    assert "| direct | fortran | 2 | 4 | 2 | 0.0% | 100.0% |" in md and "tokens/s" in md


def test_repair_stops_after_the_configured_rounds(tmp_path: Path) -> None:
    backend = Flaky(always_wrong=True)
    _, res = run(tmp_path, backend, repair_rounds=1)
    assert [len(c) for c in backend.calls] == [2, 2] and not res.samples
    assert len(res.rejects) == 4  # every round's candidate is kept as a reject
    backend = Flaky()
    _, res = run(tmp_path / "b", backend, repair_rounds=0)
    assert len(backend.calls) == 1 and not res.samples
