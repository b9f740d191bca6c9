"""The disk cache of drawn inputs returns exactly what a fresh draw returns, shares one
entry between functions of one shape, and treats a broken entry as a miss."""

from __future__ import annotations

from pathlib import Path

import pytest

from tolk.ir.function import Param, Signature
from tolk.ir.types import IRType, Kind
from tolk.validators.strategies import DEFAULT_DOMAIN, generate_inputs

INT, FLOAT = IRType(Kind.INT), IRType(Kind.FLOAT)
LIST_F = IRType(Kind.LIST, (FLOAT,))


def _sig(name: str, *params: tuple[str, IRType]) -> Signature:
    return Signature(name, tuple(Param(n, t) for n, t in params), INT)


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.pickle"))


@pytest.mark.parametrize("params", [(("a", INT), ("b", INT)), (("xs", LIST_F),),
                                    (("x", FLOAT), ("xs", LIST_F))])
def test_a_hit_is_what_a_fresh_draw_gives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          params: tuple[tuple[str, IRType], ...]) -> None:
    sig = _sig("f", *params)
    monkeypatch.setenv("TOLK_INPUT_CACHE", "off")
    fresh = generate_inputs(sig, 30, seed=7, domain=DEFAULT_DOMAIN)
    monkeypatch.setenv("TOLK_INPUT_CACHE", str(tmp_path))
    miss = generate_inputs(sig, 30, seed=7, domain=DEFAULT_DOMAIN)
    assert len(_entries(tmp_path)) == 1
    hit = generate_inputs(sig, 30, seed=7, domain=DEFAULT_DOMAIN)
    assert fresh == miss == hit and repr(fresh) == repr(hit)


def test_one_shape_one_entry_and_other_settings_miss(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOLK_INPUT_CACHE", str(tmp_path))
    generate_inputs(_sig("gcd", ("a", INT), ("b", INT)), 20, seed=1)
    generate_inputs(_sig("lcm", ("x", INT), ("y", INT)), 20, seed=1)  # names do not matter
    assert len(_entries(tmp_path)) == 1
    generate_inputs(_sig("gcd", ("a", INT), ("b", INT)), 20, seed=2)
    generate_inputs(_sig("gcd", ("a", INT), ("b", INT)), 21, seed=1)
    generate_inputs(_sig("f", ("a", INT), ("b", FLOAT)), 20, seed=1)
    assert len(_entries(tmp_path)) == 4


def test_a_broken_entry_is_a_miss(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOLK_INPUT_CACHE", str(tmp_path))
    sig = _sig("f", ("xs", LIST_F))
    first = generate_inputs(sig, 25, seed=3)
    (entry,) = _entries(tmp_path)
    entry.write_bytes(b"not a pickle")
    assert generate_inputs(sig, 25, seed=3) == first
    assert entry.read_bytes() != b"not a pickle"  # rewritten
