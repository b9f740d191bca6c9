"""Re-validate published rows on this machine from the tests they carry (`tolk verify`).

    rows = load_rows("out/demo" | "out/demo/hub" | "hf:org/name[@rev]", work_dir)
    checks = verify_rows(rows.frame, limits, batch_size=32, progress=print_progress)
    write_report(checks, path); write_verified(dest, rows, checks)

A source is a run's output directory (`samples/` plus `unverified/`), a Hub-ready folder
(`data/<lang>/` language configs plus the `unverified` config, what `tolk publish` writes)
or a Hub dataset, downloaded into `work_dir` first. Every row goes through the same
batched engine as the run (`validators.batch.validate_batch`), per language, with the
row's own signature and suite (`corpus.row_tests`).

Key contracts: one `RowCheck` per row, in the frame's order, whatever the row holds: a row
without tests or with unreadable tests is `no_tests` (a language tolk does not know:
`unknown_lang`) with the reason, never skipped.
`write_verified` keeps rows that passed here (ran_on updated to where they ran now),
promotes `unverified` rows that passed, keeps rows this machine cannot run either
(`unverified` here: they keep their original verdict and config) and drops the rest;
the folder's views are re-made over the rows it keeps (`_rebuilt_views`), and the card
re-states its configs, counts and the share of rows verify re-checked (`refresh_card`).
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Literal

import polars as pl

from tolk.corpus.row_tests import suite_of
from tolk.corpus.store import SAMPLE_SCHEMA, scan_samples, scan_unverified
from tolk.errors import ConfigError
from tolk.lang import Lang
from tolk.toolchains.registry import get_toolchain
from tolk.validators.batch import validate_batch
from tolk.validators.validate import ValidationLimits
from tolk.validators.verdict import Verdict, VerdictStatus

__all__ = ["SourceRows", "RowCheck", "load_rows", "fetch_hub", "verify_rows", "summarize",
           "write_report", "write_verified", "source_views", "UNVERIFIED_CONFIG"]

UNVERIFIED_CONFIG = "unverified"
# what `write_verified` carries over besides data/: the card and the records behind it
_HUB_FILES = ("README.md", "funnel.json", "removals.parquet", "validators.json")
Origin = Literal["sample", "unverified"]
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class SourceRows:
    frame: pl.DataFrame          # SAMPLE_SCHEMA columns plus `origin`
    kind: Literal["run", "folder"]
    root: Path
    text_format: str = "prompt_response"


@dataclass(frozen=True, slots=True)
class RowCheck:
    id: str
    lang: str
    function: str
    origin: str                  # "sample" (published as passed) or "unverified"
    status: str                  # a VerdictStatus, or "no_tests"
    passed: int
    total: int
    ran_on: str                  # where it ran now
    was_ran_on: str              # where it ran when it was made
    reason: str = ""
    failing_vector: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.status == VerdictStatus.PASSED


def _conform(df: pl.DataFrame, origin: Origin) -> pl.DataFrame:
    """SAMPLE_SCHEMA columns (missing ones null: rows from before a column existed)."""
    cols = [pl.col(c).cast(t) if c in df.columns else pl.lit(None, dtype=t).alias(c)
            for c, t in SAMPLE_SCHEMA.items()]
    return df.select(*cols, pl.lit(origin).alias("origin"))


def _read_config(folder: Path, name: str) -> pl.DataFrame | None:
    files = sorted((folder / "data" / name).glob("*.parquet"))
    return pl.read_parquet(files) if files else None


def fetch_hub(spec: str, dest: Path) -> Path:
    """Download `hf:org/name[@revision]`'s card, data files and the records behind the
    card (funnel.json, removals.parquet, validators.json) into `dest` (plain GETs of
    the Hub's resolve URLs; endpoint from HF_ENDPOINT, token from HF_TOKEN or the login)."""
    import httpx
    from huggingface_hub.utils import build_hf_headers

    from tolk.corpus.publish import hub_api

    repo, _, revision = spec.removeprefix("hf:").partition("@")
    revision = revision or "main"
    api = hub_api()
    try:
        files = [f.path for f in api.list_repo_tree(repo, repo_type="dataset",
                                                    revision=revision, recursive=True)
                 if hasattr(f, "size") and (f.path in _HUB_FILES or f.path.startswith("data/"))]
        # the token (when there is one), as every huggingface_hub call sends it
        headers = build_hf_headers(token=api.token or False)
        with httpx.Client(follow_redirects=True, timeout=60, headers=headers) as client:
            for path in files:
                url = f"{api.endpoint}/datasets/{repo}/resolve/{revision}/{path}"
                (dest / path).parent.mkdir(parents=True, exist_ok=True)
                with client.stream("GET", url) as resp, open(dest / path, "wb") as fh:
                    resp.raise_for_status()
                    for chunk in resp.iter_bytes(1 << 20):  # shards can be large
                        fh.write(chunk)
    except Exception as exc:  # noqa: BLE001 - third-party errors become ours at the boundary
        raise ConfigError(f"cannot download {spec}: {type(exc).__name__}: {exc}") from exc
    if not files:
        raise ConfigError(f"{spec} holds no data files")
    return dest


def load_rows(source: str, work_dir: Path) -> SourceRows:
    """Every row of a run directory, a Hub folder or `hf:org/name[@rev]` (module doc)."""
    if source.startswith("hf:"):
        work_dir.mkdir(parents=True, exist_ok=True)
        root = fetch_hub(source, work_dir / "hub")
    else:
        root = Path(source)
    if (root / "samples").is_dir():
        frame = pl.concat([_conform(scan_samples(root).collect(), "sample"),
                           _conform(scan_unverified(root).collect(), "unverified")])
        return SourceRows(frame, "run", root)
    if not (root / "data").is_dir():
        raise ConfigError(f"{source} is neither a run output directory (samples/) nor a "
                          "Hub folder (data/<config>/)")
    parts, fmt = [], "prompt_response"
    for name in sorted(p.name for p in (root / "data").iterdir() if p.is_dir()):
        if name not in {str(lang) for lang in Lang} and name != UNVERIFIED_CONFIG:
            continue  # views (translate, fim, repair) repeat language rows in other shapes
        df = _read_config(root, name)
        if df is None:
            continue
        if name != UNVERIFIED_CONFIG and "content" in df.columns and "prompt" not in df.columns:
            fmt = "content"
        parts.append(_conform(df, "unverified" if name == UNVERIFIED_CONFIG else "sample"))
    if not parts:
        raise ConfigError(f"{source} has no language configs under data/")
    return SourceRows(pl.concat(parts), "folder", root, fmt)


def _check(row: dict[str, Any], v: Verdict) -> RowCheck:
    ff = v.first_failure
    return RowCheck(row["id"], row["lang"], row["function"], row["origin"], str(v.status),
                    v.passed, v.total, v.ran_on, row["ran_on"] or "", v.reason,
                    {"index": ff.index, "args": ff.args, "expected": ff.expected,
                     "got": ff.got} if ff is not None else None)


def verify_rows(frame: pl.DataFrame, limits: ValidationLimits = ValidationLimits(), *,
                batch_size: int = 32, progress: Progress | None = None) -> list[RowCheck]:
    """One RowCheck per row of `frame`, in order; batched per language."""
    rows = frame.to_dicts()
    checks: list[RowCheck | None] = [None] * len(rows)
    by_lang: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        by_lang.setdefault(row["lang"], []).append(i)
    for lang, idx in sorted(by_lang.items()):
        items, where = [], []
        known = lang in {str(x) for x in Lang}
        for i in idx:
            row = rows[i]
            try:
                if not known:
                    raise ValueError(f"unknown language {lang!r}")
                sig, suite = suite_of(row)
            except (ValueError, KeyError, TypeError, json.JSONDecodeError) as exc:
                checks[i] = RowCheck(row["id"], lang, row["function"], row["origin"],
                                     "no_tests" if known else "unknown_lang", 0, 0, "",
                                     row["ran_on"] or "", f"{type(exc).__name__}: {exc}"[:300])
                continue
            items.append((row["target_code"], sig, suite))
            where.append(i)
        done = 0
        if progress:
            progress(lang, done, len(items))
        for k in range(0, len(items), batch_size):
            part = items[k:k + batch_size]
            verdicts = validate_batch(part, get_toolchain(Lang(lang)), limits,
                                      batch_size=batch_size)
            for i, v in zip(where[k:k + batch_size], verdicts, strict=True):
                checks[i] = _check(rows[i], v)
            done += len(part)
            if progress:
                progress(lang, done, len(items))
    return [c for c in checks if c is not None]


def summarize(checks: list[RowCheck]) -> pl.DataFrame:
    """Per language: rows, passed, failed, unverified (runtime absent here), no_tests."""
    if not checks:
        return pl.DataFrame(schema={"lang": pl.String, "rows": pl.UInt32})
    df = pl.DataFrame([{"lang": c.lang, "status": c.status} for c in checks])
    s = pl.col("status")
    return (df.group_by("lang").agg(
        pl.len().alias("rows"), (s == "passed").sum().alias("passed"),
        (~s.is_in(["passed", "unverified", "no_tests", "unknown_lang"])).sum().alias("failed"),
        (s == "unverified").sum().alias("unverified"),
        s.is_in(["no_tests", "unknown_lang"]).sum().alias("no_tests"))
        .sort("lang"))


def write_report(checks: list[RowCheck], path: Path) -> Path:
    """One JSON line per row: id, lang, function, status, counts, where, first failure."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(asdict(c), sort_keys=True) + "\n" for c in checks))
    return path


def write_verified(dest: Path, rows: SourceRows, checks: list[RowCheck]) -> tuple[Any, Counter[str]]:
    """A Hub-ready folder at `dest` from what verify found (module doc); returns the
    written Layout and counts (kept, promoted, still_unverified, dropped)."""
    from tolk.corpus.card import refresh_card
    from tolk.corpus.layout import write_layout

    status = pl.DataFrame({"_status": [c.status for c in checks],
                           "_ran_on": [c.ran_on for c in checks],
                           "_passed": [c.passed for c in checks]},
                          schema={"_status": pl.String, "_ran_on": pl.String, "_passed": pl.Int32})
    df = pl.concat([rows.frame, status], how="horizontal")
    here_ok = pl.col("_status") == "passed"
    cannot = pl.col("_status") == "unverified"
    kept = pl.concat([
        df.filter(here_ok).with_columns(pl.col("_ran_on").alias("ran_on"),
                                        pl.col("_passed").alias("vectors_passed")),
        df.filter(cannot & (pl.col("origin") == "sample")),
    ])
    still = df.filter(cannot & (pl.col("origin") == "unverified"))
    counts = Counter(kept=kept.height,
                     promoted=df.filter(here_ok & (pl.col("origin") == "unverified")).height,
                     still_unverified=still.height, dropped=df.height - kept.height - still.height)
    drop = ["origin", "_status", "_ran_on", "_passed"]
    if dest.exists() and rows.kind == "folder" and dest.resolve() == rows.root.resolve():
        raise ConfigError("--write must name a new folder, not the source")
    samples = kept.drop(drop)
    views = _rebuilt_views(rows, samples)
    if still.height:
        views[UNVERIFIED_CONFIG] = still.drop(drop)
    layout = write_layout(dest, samples, views=views,
                          text_format=rows.text_format)  # type: ignore[arg-type]
    for name in _HUB_FILES[1:]:  # the source's records, never a stale one left in dest
        if rows.kind == "folder" and (rows.root / name).exists():
            shutil.copyfile(rows.root / name, dest / name)
        else:
            (dest / name).unlink(missing_ok=True)
    refresh_card(dest, layout, rows.root / "README.md", dict(counts), checks=checks,
                 kept=samples)
    return layout, counts


def source_views(rows: SourceRows) -> list[str]:
    """The view configs of a Hub folder source (none for a run directory)."""
    if rows.kind != "folder" or not (rows.root / "data").is_dir():
        return []
    langs = {str(x) for x in Lang}
    return sorted(p.name for p in (rows.root / "data").iterdir()
                  if p.is_dir() and p.name not in langs and p.name != UNVERIFIED_CONFIG)


def _rebuilt_views(rows: SourceRows, samples: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """The source folder's views over the rows kept now, so promoted rows appear in them:
    translate, rl and fim are rebuilt from the samples; repair keeps the source's pairs
    whose sample is still kept (its repair-loop pairs need the run, which a folder does
    not carry); eval and any other view are not derived from training rows: copied."""
    from tolk.corpus.fim import fim_view
    from tolk.corpus.views import rl_view, translate_view

    builders = {"translate": translate_view, "rl": rl_view, "fim": fim_view}
    out: dict[str, pl.DataFrame] = {}
    for name in source_views(rows):
        if name in builders:
            out[name] = builders[name](samples.lazy()).collect()
            continue
        df = _read_config(rows.root, name)
        if df is None:
            continue
        if name == "repair" and "sample_id" in df.columns:
            df = df.filter(pl.col("sample_id").is_in(samples["id"].implode()))
        out[name] = df
    return out
