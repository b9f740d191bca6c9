"""The validators' own checks per language, as the dataset card states them.

Each number comes from a record a user's command made; `tolk publish` never runs those
commands itself (selftest takes minutes) and never invents a number: a check without a
record is "not measured", and the card prints the command that measures it.

    OUT/selftest.json   `tolk selftest --json OUT/selftest.json [--hostile]`: known-good
                        acceptance, mutants killed / distinguishable and harness errors
                        per language, and with --hostile the hostile cases contained
                        (`languages[].hostile` = {cases, contained, ...}).
    OUT/verify.jsonl    `tolk verify OUT` (a run directory's report lands there by
                        default): one line per row re-checked; a published row counts as
                        re-checked when the report holds its `id` with status `passed`
                        (languages the report does not cover stay "not measured").
    validators.json     in a Hub folder, written with the card: the section's numbers, so
                        `tolk verify --write` can re-state it for the rows it keeps.

Key contracts: cells are strings ("" = not measured), except `harness_errors` (int, or
None when not measured); every language of the card gets every key (`empty_checks`).
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any, Iterable

import polars as pl

from tolk.corpus.layout import Layout

__all__ = ["SELFTEST_FILE", "VERIFY_REPORT", "VALIDATORS_FILE", "empty_checks", "share",
           "config_ids", "selftest_record", "verified_cells", "read_report", "language_checks",
           "check_commands", "read_validators", "write_validators"]

SELFTEST_FILE = "selftest.json"
VERIFY_REPORT = "verify.jsonl"
VALIDATORS_FILE = "validators.json"


def empty_checks() -> dict[str, Any]:
    return {"known_good": "", "killed": "", "harness_errors": None, "hostile": "",
            "verified": "", "selftest_note": ""}


def share(n: int, d: int) -> str:
    """`n/d (p%)`, or "" (not measured) when there is nothing to measure."""
    return f"{n}/{d} ({100 * n / d:.1f}%)" if d else ""


def config_ids(layout: Layout, name: str) -> list[str]:
    """The `id`s of one config's rows, read back from its shards."""
    files = [layout.root / f for f in layout.config(name).files]
    return pl.read_parquet(files, columns=["id"])["id"].to_list() if files else []


def selftest_record(path: Path) -> tuple[dict[str, Any] | None, dict[str, dict[str, Any]]]:
    """(how selftest ran, per-language cells) from a `tolk selftest --json` file."""
    if not path.exists():
        return None, {}
    data = json.loads(path.read_text())
    cells: dict[str, dict[str, Any]] = {}
    hostile_ran = False
    for r in data.get("languages", []):
        c = empty_checks()
        if r.get("unverified"):
            c["selftest_note"] = f"not measured where selftest ran: {r['unverified']}"
        else:
            c["known_good"] = share(r["known_good_passed"], r["known_good_total"])
            c["killed"] = share(r["killed"], r["changing_total"])
            c["harness_errors"] = int(r["harness_errors"])
        if (h := r.get("hostile")) is not None:
            hostile_ran = True
            c["hostile"] = share(h["contained"], h["cases"])
            if h.get("not_contained"):
                c["selftest_note"] = ("hostile cases not contained: "
                                      + ", ".join(h["not_contained"]))
        cells[r["lang"]] = c
    argv = ["tolk", "selftest", "--to", ",".join(data.get("langs") or sorted(cells)),
            "--source", str(data.get("source", "")), "--seed", str(data.get("seed", 0))]
    for key, flag in (("max_mutants_per_function", "--max-mutants-per-function"),
                      ("search_budget", "--search-budget"), ("n_inputs", "--n-inputs")):
        if data.get(key) is not None:  # older files lack n_inputs
            argv += [flag, str(data[key])]
    meta = {"command": "`" + shlex.join(argv + (["--hostile"] if hostile_ran else [])) + "`",
            "source": data.get("source", ""), "seed": data.get("seed", 0),
            "subjects": data.get("subjects", 0)}
    return meta, cells


def verified_cells(report: Iterable[tuple[str, str, str]], layout: Layout) -> dict[str, str]:
    """lang -> share of its config's rows that a verify report (lang, id, status) shows
    passed; only for languages the report covers (`--config` may have left some out)."""
    report = list(report)
    passed = {(lang, i) for lang, i, status in report if status == "passed"}
    covered = {lang for lang, _, _ in report}
    cells = {}
    for cfg in layout.languages:
        if cfg.name in covered:
            ids = config_ids(layout, cfg.name)
            cells[cfg.name] = share(sum((cfg.name, i) in passed for i in ids), len(ids))
    return cells


def read_report(path: Path) -> list[tuple[str, str, str]]:
    """(lang, id, status) per line of a `tolk verify` report."""
    rows = (json.loads(line) for line in path.read_text().splitlines() if line.strip())
    return [(r["lang"], r["id"], r["status"]) for r in rows]


def language_checks(out: Path, layout: Layout, langs: list[str]
                    ) -> tuple[dict[str, Any] | None, dict[str, dict[str, Any]]]:
    """(selftest meta, lang -> cells) for the card of the run `out` (module doc)."""
    meta, cells = selftest_record(out / SELFTEST_FILE)
    result = {lang: cells.get(lang, empty_checks()) for lang in langs}
    if (out / VERIFY_REPORT).exists():
        for lang, cell in verified_cells(read_report(out / VERIFY_REPORT), layout).items():
            result.setdefault(lang, empty_checks())["verified"] = cell
    return meta, result


def check_commands(out: Path) -> dict[str, str]:
    """The commands that would measure what the card shows as "not measured"."""
    return {"selftest": f"tolk selftest --hostile --json {shlex.quote(str(out / SELFTEST_FILE))}",
            "verify": f"tolk verify {shlex.quote(str(out))}"}


def read_validators(folder: Path) -> dict[str, Any]:
    path = folder / VALIDATORS_FILE
    return json.loads(path.read_text()) if path.exists() else {}


def write_validators(folder: Path, record: dict[str, Any]) -> Path:
    path = folder / VALIDATORS_FILE
    path.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
    return path
