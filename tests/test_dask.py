"""Scale-out: build_corpus through Prefect's Dask task runner on a local cluster gives the
same dataset as the default runner, and the run's artifacts reach the Prefect server."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import SEED
from tolk.corpus.store import scan_rejects, scan_samples
from tolk.flows.config import BuildConfig

VOLATILE = ["run_id", "created_at", "latency_s"]


def _table(frame: pl.LazyFrame) -> pl.DataFrame:
    df = frame.collect()
    df = df.drop([c for c in VOLATILE if c in df.columns])
    return df.sort(df.columns)


def _source(root: Path) -> Path:
    src = root / "src"
    src.mkdir()
    for name in ("numeric.py", "searching.py"):
        shutil.copy(SEED / name, src / name)
    (src / "broken.py").write_text("def f(a: int) -> int\n    return a\n")
    return src


def test_dask_runner_is_optional_and_named() -> None:
    import prefect_dask  # noqa: F401 - a declared dev dependency
    from prefect_dask import DaskTaskRunner

    from tolk.errors import TolkError
    from tolk.flows.build_corpus import build_corpus, build_corpus_with, make_task_runner

    assert build_corpus_with("default") is build_corpus
    runner = make_task_runner("dask", address="tcp://10.0.0.1:8786")
    assert isinstance(runner, DaskTaskRunner) and runner.address == "tcp://10.0.0.1:8786"
    assert isinstance(build_corpus_with("dask").task_runner, DaskTaskRunner)
    with pytest.raises(TolkError, match="unknown task runner"):
        make_task_runner("ray")  # type: ignore[arg-type]


@pytest.mark.slow
def test_dask_local_cluster_gives_the_same_dataset(tmp_path: Path, prefect_harness) -> None:
    import prefect_dask  # noqa: F401 - a declared dev dependency
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from tolk.flows.build_corpus import run_build

    src = _source(tmp_path)
    common = dict(source=str(src), shard_size=1, n_inputs=20, workers=1)
    default_out, dask_out = tmp_path / "default", tmp_path / "dask"
    a = run_build(BuildConfig(out=str(default_out), **common))
    b = run_build(BuildConfig(out=str(dask_out), **common), task_runner="dask",
                  dask_workers=2)
    assert a.shards == b.shards == 3 and a.shards_skipped == b.shards_skipped == 0
    assert a.passed == b.passed and a.passed["fortran"] > 10
    samples = _table(scan_samples(dask_out))
    assert samples.equals(_table(scan_samples(default_out)))
    assert _table(scan_rejects(dask_out)).equals(_table(scan_rejects(default_out)))
    assert samples["id"].n_unique() == samples.height
    assert b.report == str(dask_out / "report.html") and Path(b.report).exists()

    with get_client(sync_client=True) as client:
        keys = {art.key for art in client.read_artifacts(artifact_filter=ArtifactFilter(
            key=ArtifactFilterKey(any_=["tolk-funnel", "tolk-throughput", "tolk-failures",
                                        "tolk-report"])))}
    assert keys == {"tolk-funnel", "tolk-throughput", "tolk-failures", "tolk-report"}
