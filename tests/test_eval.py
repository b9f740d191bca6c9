"""`tolk eval`: pass@k with the unbiased estimator, over the real pipeline and validators."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from tests._openai_server import fake_openai_server
from tests._tiny_model import tiny_model_dir, vllm_cpu  # noqa: F401 - fixtures
from tolk.corpus.eval import pass_at_k
from tolk.flows.cli import main

REPLAY = Path(__file__).resolve().parents[1] / "data" / "replay"


def _comb_pass_at_k(n: int, c: int, k: int) -> float:
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def test_pass_at_k_is_the_unbiased_estimator() -> None:
    assert pass_at_k(10, 3, 1) == pytest.approx(0.3)
    assert pass_at_k(4, 2, 2) == pytest.approx(5 / 6)
    assert pass_at_k(10, 0, 5) == 0.0 and pass_at_k(10, 6, 5) == 1.0
    for n in range(1, 12):
        for c in range(n + 1):
            for k in range(1, n + 1):
                assert pass_at_k(n, c, k) == pytest.approx(_comb_pass_at_k(n, c, k), abs=1e-12)
    with pytest.raises(ValueError):
        pass_at_k(3, 1, 4)


@pytest.mark.slow
def test_eval_with_the_replay_cassette(tmp_path: Path, prefect_harness,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    # The cassette's first answers (data/replay/answers/direct/*.r0.md): fortran's
    # count_vowels is wrong, the other three right; cobol has no count_vowels answer and
    # a prose-only is_sorted, the other two right.
    result = tmp_path / "eval.json"
    rc = main(["eval", "--source", str(REPLAY / "programs" / "direct"), "--to", "fortran,cobol",
               "--translator", "replay", "--cassette", str(REPLAY / "cassette.jsonl"),
               "--k", "1,10", "--out", str(tmp_path / "out"), "--json", str(result)])
    assert rc == 0
    r = json.loads(result.read_text())
    assert r["k"] == [1] and r["n"] == 1 and r["repair_rounds"] == 0
    f, c = r["langs"]["fortran"], r["langs"]["cobol"]
    assert (f["problems"], f["pass@1"], f["wrong_answer_rate"], f["compile_error_rate"]) == \
        (4, 0.75, 0.25, 0.0)
    assert (c["problems"], c["pass@1"], c["other_rate"]) == (4, 0.5, 0.5)
    out = capsys.readouterr().out
    assert "pass@10 left out" in out and f"result: {result}" in out


_FORTRAN = """Here it is:

```fortran
module candidate
  use, intrinsic :: iso_fortran_env, only: int64
  implicit none
  private
  public :: {name}
contains
  function {name}(a, b, c) result(res)
    integer(int64), intent(in) :: a, b, c
    integer(int64) :: res
    ! variant {i}
    res = {expr}
  end function {name}
end module candidate
```
"""


def _answer(body: dict[str, Any], i: int) -> str:
    """Known answers: add3 right, right, wrong, does not compile; sub3 right, then wrong."""
    prompt = body["messages"][-1]["content"]
    if "def add3(" in prompt:
        expr = ["a + b + c", "c + b + a", "a + b - c", "a + * b"][i]
        return _FORTRAN.format(name="add3", i=i, expr=expr)
    expr = ["a - b - c", "a - b + c", "b - a - c", "a - b"][i]
    return _FORTRAN.format(name="sub3", i=i, expr=expr)


@pytest.mark.slow
def test_eval_pass_at_k_is_exact_for_known_answers(tmp_path: Path, prefect_harness) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "m.py").write_text("def add3(a: int, b: int, c: int) -> int:\n    return a + b + c\n\n"
                              "def sub3(a: int, b: int, c: int) -> int:\n    return a - b - c\n")
    result = tmp_path / "eval.json"
    with fake_openai_server(answer=_answer) as server:
        rc = main(["eval", "--source", str(src), "--to", "fortran", "--translator", "openai",
                   "--base-url", server.url, "--model", "known-answers", "-n", "4",
                   "--k", "1,2,4,10", "--out", str(tmp_path / "out"), "--json", str(result),
                   "--n-inputs", "10"])
    assert rc == 0
    r = json.loads(result.read_text())["langs"]["fortran"]
    # add3: c=2 of 4; sub3: c=1 of 4
    assert (r["problems"], r["candidates"], r["passed"]) == (2, 8, 3)
    assert r["pass@1"] == pytest.approx((2 / 4 + 1 / 4) / 2)
    assert r["pass@2"] == pytest.approx(((1 - 1 / 6) + (1 - 3 / 6)) / 2)
    assert r["pass@4"] == 1.0 and "pass@10" not in r
    assert r["compile_error_rate"] == pytest.approx(1 / 8)
    assert r["wrong_answer_rate"] == pytest.approx(4 / 8)
    assert _accounted(r)


def _accounted(r: dict[str, Any]) -> bool:
    """Every completion asked for ended as a pass or one of the failure kinds."""
    rates = sum(r[f"{k}_rate"] for k in ("compile_error", "wrong_answer", "other", "unverified"))
    return r["candidates"] > 0 and r["passed"] / r["candidates"] + rates == pytest.approx(1.0)


@pytest.mark.slow
def test_eval_with_the_tiny_vllm_model(tmp_path: Path, prefect_harness, tiny_model_dir: Path,
                                       vllm_cpu: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # Julia's real prompt (few-shots included) fits the tiny model's 2048 positions.
    monkeypatch.setenv("TOLK_VLLM_MAX_MODEL_LEN", "2048")
    src = tmp_path / "src"
    src.mkdir()
    (src / "small.py").write_text("def add3(a: int, b: int) -> int:\n    return a + b + 3\n\n\n"
                                  "def pos(xs: list[int]) -> list[int]:\n"
                                  "    return [x for x in xs if x > 0]\n")
    result = tmp_path / "eval.json"
    rc = main(["eval", "--source", str(src), "--to", "julia", "--translator", "vllm",
               "--model", str(tiny_model_dir), "-n", "2", "--k", "1,2", "--max-tokens", "32",
               "--n-inputs", "10", "--out", str(tmp_path / "out"), "--json", str(result)])
    assert rc == 0
    r = json.loads(result.read_text())
    julia = r["langs"]["julia"]
    assert r["k"] == [1, 2] and (julia["problems"], julia["candidates"]) == (2, 4)
    assert 0.0 <= julia["pass@1"] <= julia["pass@2"] <= 1.0 and _accounted(julia)
