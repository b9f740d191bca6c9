"""Retries only for transient failures; a shard that fails for good does not stop the others,
and the next run redoes only it. Shard ids depend on content and settings, not on paths."""

from __future__ import annotations

import errno
import json
from collections import Counter
from pathlib import Path

import pytest

from tolk.flows.concurrency import TransientError, is_transient, retry_transient
from tolk.flows.config import BuildConfig


class _HTTPError(Exception):
    def __init__(self, status_code: int) -> None:
        super().__init__(f"HTTP {status_code}")
        self.status_code = status_code


class APIConnectionError(Exception):  # named like openai's
    pass


@pytest.mark.parametrize("exc", [
    ConnectionRefusedError(errno.ECONNREFUSED, "refused"), TimeoutError("slow"),
    OSError(errno.EAGAIN, "try again"), TransientError("engine restarting"),
    _HTTPError(503), _HTTPError(429), APIConnectionError("down"),
])
def test_transient_errors_are_retried(exc: BaseException) -> None:
    assert is_transient(exc)


@pytest.mark.parametrize("exc", [
    ValueError("bad"), KeyError("x"), _HTTPError(400), _HTTPError(404),
    OSError(errno.ENOENT, "no such file"), RuntimeError("bug"), None,
])
def test_deterministic_errors_are_not(exc: BaseException | None) -> None:
    assert not is_transient(exc)


def test_a_wrapped_transient_cause_counts() -> None:
    try:
        try:
            raise ConnectionResetError(errno.ECONNRESET, "reset")
        except OSError as inner:
            raise RuntimeError("podman run failed") from inner
    except RuntimeError as outer:
        assert is_transient(outer)


def test_retry_condition_reads_the_failed_state() -> None:
    from prefect.states import Completed, Failed

    assert retry_transient(None, None, Failed(data=ConnectionRefusedError("x")))
    assert not retry_transient(None, None, Failed(data=ValueError("x")))
    assert not retry_transient(None, None, Completed(data=1))


def test_shard_ids_depend_on_content_and_settings_not_paths(tmp_path: Path) -> None:
    from tolk.flows.build_corpus import plan_shards

    src = tmp_path / "a" / "src"
    src.mkdir(parents=True)
    for i in range(5):
        (src / f"m{i}.py").write_text(f"def f{i}(a: int) -> int:\n    return a + {i}\n")
    base = BuildConfig(source=str(src), out=str(tmp_path / "o1"), shard_size=2)
    ids = [p.shard for p in plan_shards(base)]
    assert len(ids) == 3 and [len(p.items) for p in plan_shards(base)] == [2, 2, 1]
    assert ids == [p.shard for p in plan_shards(base.model_copy(update={
        "out": str(tmp_path / "o2"), "workers": 7, "batch_size": 3}))]
    assert set(ids).isdisjoint(p.shard for p in plan_shards(base.model_copy(update={
        "n_inputs": 61})))
    assert set(ids).isdisjoint(p.shard for p in plan_shards(base.model_copy(update={
        "translator": "openai", "model": "m", "temperature": 0.7})))


def test_expected_programs_counts_file_names_only(tmp_path: Path) -> None:
    from tolk.flows.build_corpus import expected_programs

    for i in range(4):
        (tmp_path / f"m{i}.py").write_text("x = 1\n")
    (tmp_path / "notes.txt").write_text("")
    config = BuildConfig(source=str(tmp_path), out=str(tmp_path / "o"))
    assert expected_programs(config) == 4
    assert expected_programs(config.model_copy(update={"max_programs": 2})) == 2
    assert expected_programs(config.model_copy(update={"source": "hf://org/set"})) is None


def test_planning_is_lazy(tmp_path: Path, monkeypatch) -> None:
    import tolk.flows.build_corpus as bc
    from tolk.ir.function import Program

    pulled = Counter()

    def endless(config):
        for i in range(10**9):
            pulled["n"] += 1
            yield Program(f"id{i}", f"mem/{i}.py", "x = 1\n")

    monkeypatch.setattr(bc, "source_items", endless)
    config = BuildConfig(source=str(tmp_path), out=str(tmp_path / "o"), shard_size=3)
    plans = bc.plan_shards(config, key="k")
    first = next(plans)
    assert len(first.items) == 3 and pulled["n"] == 3  # a generator, not a list


@pytest.mark.slow
def test_transient_retried_deterministic_failed_then_resumed(
        tmp_path: Path, prefect_harness, monkeypatch) -> None:
    import tolk.flows.build_corpus as bc
    from tolk.flows.cli_status import summarize
    from tolk.flows.runlog import read_events
    from tolk.flows.shard import ShardResult

    src = tmp_path / "src"
    src.mkdir()
    for name in ("a", "b", "c"):
        (src / f"{name}.py").write_text(f"def {name}(x: int) -> int:\n    return x\n")
    config = BuildConfig(source=str(src), out=str(tmp_path / "out"), shard_size=1)
    calls: Counter[str] = Counter()

    def fake_process_shard(items, config, *, run_id, shard, on_program_done=None):
        uri = items[0].uri
        calls[uri] += 1
        if uri.endswith("a.py") and calls[uri] == 1:
            raise ConnectionRefusedError(errno.ECONNREFUSED, "LLM server not up yet")
        if uri.endswith("b.py") and broken:
            raise ValueError("deterministic bug")
        res = ShardResult()
        res.stats["programs"] += 1
        return res

    broken = True
    monkeypatch.setattr(bc, "process_shard", fake_process_shard)
    monkeypatch.setattr(bc, "run_shard", bc.run_shard.with_options(retry_delay_seconds=0,
                                                                     retry_jitter_factor=None))
    with pytest.raises(bc.ShardsFailed, match="1 shard"):
        bc.build_corpus(config)
    assert calls["src/a.py"] == 2  # transient: retried once, then fine
    assert calls["src/b.py"] == 1  # deterministic: never retried
    assert calls["src/c.py"] == 1
    out = Path(config.out)
    run = json.loads((out / "run.json").read_text())
    assert run["state"] == "failed" and len(run["shards_failed"]) == 1
    assert summarize(out).shards_done == 2 and (out / "report.html").exists()
    assert [e["shard"] for e in read_events(out) if e["event"] == "shard_failed"] == \
        run["shards_failed"]

    broken = False
    summary = bc.build_corpus(config)
    assert summary.shards == 3 and summary.shards_skipped == 2
    assert calls["src/b.py"] == 2 and calls["src/a.py"] == 2 and calls["src/c.py"] == 1
    assert summarize(out).state == "completed"
