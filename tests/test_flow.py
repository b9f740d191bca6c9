"""The build_corpus flow on a small corpus, through a real (temporary) Prefect server."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import SEED
from tolk.corpus.store import scan_rejects, scan_samples
from tolk.flows.config import BuildConfig
from tolk.flows.shard import process_shard
from tolk.ir.function import Program


def _small_corpus(root: Path) -> Path:
    src = root / "src"
    src.mkdir()
    shutil.copy(SEED / "numeric.py", src / "numeric.py")
    shutil.copy(SEED / "outside_subset.py", src / "outside_subset.py")
    (src / "broken.py").write_text("def f(a: int) -> int\n    return a\n")
    (src / "latin1.py").write_bytes("s = 'caf\xe9'\n".encode("latin-1"))
    return src


def test_process_shard_routes_every_item(tmp_path: Path) -> None:
    text = ("def add(a: int, b: int) -> int:\n    return a + b\n\n"
            "def shout(s: str) -> str:\n    return s.upper()\n\n"
            "def bad(x) -> int:\n    return x\n")
    config = BuildConfig(source=str(tmp_path), out=str(tmp_path / "out"), n_inputs=20)
    done = []
    res = process_shard([Program("p1", "mem/p1.py", text)], config, run_id="r", shard="s",
                        on_program_done=lambda: done.append(1))
    assert [r["function"] for r in res.samples] == ["add"]
    reasons = {(r["function"], r["reason"]) for r in res.rejects}
    assert ("shout", "no_body_ir:body:method_call:upper") in reasons
    assert ("bad", "missing_annotation:param") in reasons
    assert res.stats["functions"] == 3 and res.stats["passed:fortran"] == 1
    assert done == [1]


@pytest.mark.slow
def test_build_corpus_flow_stores_samples_and_resumes(tmp_path: Path, prefect_harness) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from tolk.flows.build_corpus import build_corpus

    src = _small_corpus(tmp_path)
    out = tmp_path / "out"
    config = BuildConfig(source=str(src), out=str(out), shard_size=2, n_inputs=30)
    summary = build_corpus(config)
    assert summary.programs == 4 and summary.shards == 2 and summary.shards_skipped == 0
    # The report is written after the run's final state (it said "running" before).
    assert 'state <b class="state-completed">' in (out / "report.html").read_text()
    assert summary.verdicts["fortran"].get("harness_error", 0) == 0
    samples = scan_samples(out).collect()
    rejects = scan_rejects(out).collect()
    assert samples.height == summary.passed["fortran"] >= 8
    assert samples["id"].n_unique() == samples.height
    assert set(samples["lang"]) == {"fortran"} and set(samples["ran_on"]) == {"bwrap"}
    assert (samples["vectors_passed"] == samples["vectors_total"]).all()
    reasons = set(rejects["reason"])
    assert {"syntax_error", "not_utf8", "uses_io:print"} <= reasons

    with get_client(sync_client=True) as client:
        arts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["tolk-funnel"])))
    # Other tests' runs in the same session have tolk-funnel artifacts too: any is ours.
    assert any("| validate | fortran |" in a.data for a in arts)

    again = build_corpus(config)  # everything complete: nothing recomputed, nothing duplicated
    assert again.shards_skipped == 2
    assert scan_samples(out).collect().height == samples.height
    assert scan_rejects(out).collect().sort("reason").equals(rejects.sort("reason"))


@pytest.mark.slow
def test_cli_run_prints_the_funnel(tmp_path: Path, prefect_harness, capsys) -> None:
    from tolk.flows.cli import main

    src = _small_corpus(tmp_path)
    rc = main(["run", "--source", str(src), "--to", "fortran", "--out", str(tmp_path / "o"),
               "--no-progress", "--n-inputs", "20"])
    assert rc == 0
    printed = " ".join(capsys.readouterr().out.split())  # rich may wrap lines
    assert "tolk funnel" in printed and "harness_error 0" in printed
    assert main(["report", str(tmp_path / "o")]) == 0
    assert "yield over functions with body IR" in " ".join(capsys.readouterr().out.split())


def test_doctor_reports_usable_and_missing_parts(capsys) -> None:
    from tolk.flows.cli import main
    from tolk.flows.doctor import doctor_lines

    rows = {name: (ok, detail) for name, ok, detail in doctor_lines()}
    assert rows["sandbox:bwrap"][0] and rows["toolchain:fortran"][0]
    assert rows["toolchain:fortran"][1].startswith("gfortran ")
    assert rows["toolchain:cobol"][0] and rows["toolchain:cobol"][1].startswith("GnuCOBOL ")
    # Absent runtimes are named with the fix, never a traceback.
    from tolk.toolchains.julia import JULIA
    if JULIA.runtime_problem() is not None:
        assert not rows["runtime:julia"][0] and "julia not found" in rows["runtime:julia"][1]
    else:  # the store's Debian 11 julia (or a host one): which, and where it lives
        assert rows["runtime:julia"][0] and rows["runtime:julia"][1].startswith("julia 1.")
    assert rows["containerfile:fortran"][0]
    assert main(["doctor"]) == 0
    assert "toolchain:fortran" in capsys.readouterr().out


def test_cli_translate_exit_codes(tmp_path: Path, capsys) -> None:
    from tolk.flows.cli import main

    assert main(["translate", str(SEED / "numeric.py"), "--function", "gcd", "--to", "fortran",
                 "--n-inputs", "20"]) == 0
    captured = capsys.readouterr()
    assert "module candidate" in captured.out
    assert "fortran: passed 20/20" in captured.err or "passed" in captured.err
    rc = main(["translate", str(SEED / "recursion.py"), "--to", "fortran", "--function",
               sorted(_function_names(SEED / "recursion.py"))[0]])
    assert rc == 2
    assert "without an LLM" in capsys.readouterr().err
    assert main(["translate", str(SEED / "numeric.py"), "--function", "nope"]) == 2


def _function_names(path: Path) -> list[str]:
    return [line.split("(")[0][4:] for line in path.read_text().splitlines()
            if line.startswith("def ")]


