"""Prompts through the IR: exact contracts, shown vectors in target syntax, few-shots from
the lowering, shared parts first (prefix caching), template version, cassette freshness."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tolk.ir.frontend import analyze_source
from tolk.ir.function import Function
from tolk.ir.vectors import TestSuite, Vector
from tolk.lang import Lang
from tolk.toolchains.registry import get_toolchain
from tolk.translators import prompts

SRC = '''
def scale_sum(xs: list[int], k: int) -> int:
    """Return k times the sum of xs."""
    total = 0
    for x in xs:
        total += k * x
    return total


def spread(xs: list[float]) -> tuple[float, float]:
    """Return min and max of xs."""
    return (min(xs), max(xs))
'''
REPLAY = Path(__file__).resolve().parents[1] / "data" / "replay"


def fn(name: str) -> Function:
    return next(f for f in analyze_source(SRC) if isinstance(f, Function) and f.name == name)


SUITE = TestSuite((Vector(([1, 2], 3), 9, shown=True), Vector(([], 5), 0, shown=True),
                   Vector(([7], -1), -7, shown=False)))


@pytest.mark.parametrize("lang", list(Lang))
def test_translation_prompt_holds_source_contract_and_shown_vectors_only(lang: Lang) -> None:
    f = fn("scale_sum")
    (role0, system), (role1, user) = prompts.translation_messages(f, SUITE, lang)
    assert (role0, role1) == ("system", "user")
    assert f.source.strip() in user
    assert get_toolchain(lang).contract(f.signature).rstrip() in user
    examples = prompts.examples(f.signature, SUITE, lang)
    assert len(examples) == 2  # the hidden vector never reaches a prompt
    assert all(e in user for e in examples)
    assert "-7" not in user
    assert prompts.describe(prompts.translation_messages(f, SUITE, lang)) == {
        "function": "scale_sum", "target": str(lang), "strategy": "direct", "round": 0}


def test_examples_are_rendered_in_target_syntax() -> None:
    f = fn("scale_sum")
    assert prompts.examples(f.signature, SUITE, Lang.FORTRAN)[0] == \
        "scale_sum(xs=[integer(int64) :: 1_int64, 2_int64], k=3_int64) == 9_int64"
    assert prompts.examples(f.signature, SUITE, Lang.JULIA)[1] == "scale_sum(Int64[], 5) == 0"
    assert "p-xs-n = 2" in prompts.examples(f.signature, SUITE, Lang.COBOL)[0]
    assert "xs_len = 2" in prompts.examples(f.signature, SUITE, Lang.CUDA)[0]
    g = fn("spread")
    tup = TestSuite((Vector(([1.5, -2.0],), (-2.0, 1.5), shown=True),))
    assert "sets res1 = -2.0_real64, res2 = 1.5_real64" in prompts.examples(
        g.signature, tup, Lang.FORTRAN)[0]


@pytest.mark.parametrize("lang", [Lang.FORTRAN, Lang.COBOL, Lang.JULIA])
def test_fewshots_are_the_lowering_output_of_the_fixed_seeds(lang: Lang) -> None:
    shots = prompts.fewshots(lang)
    assert len(shots) == len(prompts.FEWSHOT_SEEDS)
    system = prompts.translation_messages(fn("scale_sum"), SUITE, lang)[0][1]
    for shot in shots:
        assert shot["code"] in system and shot["python"] in system
        assert "def gcd" in system or "def count_above" in system


def test_shared_parts_first_for_prefix_caching() -> None:
    a = prompts.translation_messages(fn("scale_sum"), SUITE, Lang.FORTRAN)
    b = prompts.translation_messages(fn("spread"), TestSuite(()), Lang.FORTRAN)
    assert a[0] == b[0]  # identical system message across requests of a language
    assert a[1] != b[1]
    repaired = prompts.repair_messages(a, "my answer", "compile failed at /tmp/x/y/cand.f90:3",
                                       Lang.FORTRAN)
    assert repaired[:2] == a  # a repair round only appends
    assert repaired[2] == ("assistant", "my answer")
    assert "/tmp/x/y" not in repaired[3][1] and "cand.f90:3" in repaired[3][1]
    assert prompts.describe(repaired)["round"] == 1


def test_draft_and_via_ir_prompts() -> None:
    f = fn("scale_sum")
    draft = get_toolchain(Lang.JULIA).lower(f)
    msgs = prompts.translation_messages(f, SUITE, Lang.JULIA, draft=draft)
    assert draft.strip() in msgs[1][1]
    assert prompts.describe(msgs)["strategy"] == "draft"
    via = prompts.via_ir_messages(f, SUITE)
    assert "scale_sum([1, 2], 3) == 9" in via[1][1]
    assert prompts.describe(via) == {"function": "scale_sum", "target": "python",
                                     "strategy": "via-ir", "round": 0}


def test_template_version_is_stable_and_covers_every_template() -> None:
    v = prompts.template_version()
    assert len(v) == 12 and v == prompts.template_version()
    root = Path(prompts.__file__).resolve().parents[1]
    assert len(list((root / "toolchains").glob("*/prompt.md.j2"))) == len(Lang)


def test_replay_cassette_is_not_stale() -> None:
    """Re-record with `scripts/record_cassette.py` after changing a prompt template."""
    meta = json.loads((REPLAY / "cassette.meta.json").read_text())
    assert meta["prompt_version"] == prompts.template_version(), \
        "prompt templates changed: run .venv/bin/python scripts/record_cassette.py"
    lines = (REPLAY / "cassette.jsonl").read_text().splitlines()
    assert len(lines) == meta["requests"] and meta["answers"] >= 20
