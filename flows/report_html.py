"""The run report: one self-contained HTML file (inline CSS + SVG, no script, no network),
and the same numbers as Prefect artifacts on the flow run.

Key contracts: `collect(out)` reads only the output directory (store, plan, timing files),
so a report can be made for any directory, mid-run or after a crash; `render(data)` is a
pure function of that record; every string from the data is HTML-escaped (reject details
hold candidate output). `write_report(out)` writes OUT/report.html atomically.
"""

from __future__ import annotations

import html
import os
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

import polars as pl

from tolk.corpus.funnel import Funnel, compute_funnel
from tolk.corpus.store import scan_rejects, scan_samples
from tolk.flows.cli_status import OutputStatus, summarize
from tolk.flows.runlog import read_timings
from tolk.flows.stage_table import format_rows, stage_rows
from tolk.lang import DEFAULT_LANG

__all__ = ["ReportData", "collect", "render", "write_report", "top_failures",
           "throughput_series", "publish_artifacts"]

PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1",
           "#ff9da7", "#9c755f", "#bab0ac")


@dataclass
class ReportData:
    status: OutputStatus
    langs: list[str]
    funnel: Funnel
    by_strategy: list[dict[str, Any]]  # lang, translator, strategy, samples
    failures: list[dict[str, Any]]  # stage, lang, reason, count, example fields
    throughput: list[tuple[float, int]]  # (seconds since first shard start, programs done)
    timings: list[dict[str, Any]] = field(default_factory=list)
    generated_at: str = ""


def top_failures(out: Path, k: int = 15) -> list[dict[str, Any]]:
    """The k most frequent (stage, lang, reason) with one example each (first by id)."""
    df = (scan_rejects(out)
          .sort("source_uri", "function", "lang")
          .group_by("stage", "lang", "reason")
          .agg(pl.len().alias("count"), pl.first("function").alias("function"),
               pl.first("source_uri").alias("source_uri"), pl.first("detail").alias("detail"))
          .sort(["count", "stage", "lang", "reason"], descending=[True, False, False, False])
          .head(k).collect())
    return df.to_dicts()


def throughput_series(timings: Sequence[dict[str, Any]]) -> list[tuple[float, int]]:
    """Cumulative programs finished over time since the earliest shard start."""
    if not timings:
        return []
    t0 = min(float(t["start"]) for t in timings)
    series, done = [(0.0, 0)], 0
    for t in sorted(timings, key=lambda r: float(r["end"])):
        done += int(t.get("programs", 0))
        series.append((round(float(t["end"]) - t0, 3), done))
    return series


def _langs_of(out: Path, status: OutputStatus) -> list[str]:
    import json
    try:
        return [str(x) for x in json.loads((out / "plan.json").read_text())["config"]["langs"]]
    except (OSError, ValueError, KeyError, TypeError):
        return sorted(status.samples_by_lang) or [str(DEFAULT_LANG)]


def collect(out: Path, langs: list[str] | None = None) -> ReportData:
    out = Path(out)
    status = summarize(out)
    langs = langs or _langs_of(out, status)
    strat = (scan_samples(out).group_by("lang", "translator", "strategy")
             .agg(pl.len().alias("samples")).sort("lang", "translator", "strategy").collect())
    timings = read_timings(out)
    return ReportData(status=status, langs=langs, funnel=compute_funnel(out, langs),
                      by_strategy=strat.to_dicts(), failures=top_failures(out),
                      throughput=throughput_series(timings), timings=timings,
                      generated_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))


# --- SVG charts (inline, no script) ---------------------------------------------------------

def _e(x: object) -> str:
    return html.escape(str(x), quote=True)


def hbar_chart(rows: Sequence[tuple[str, int]], *, width: int = 640, color: str = PALETTE[0],
               title: str = "") -> str:
    """Horizontal bars with labels and values; an empty chart says so."""
    if not rows:
        return f'<p class="empty">{_e(title)}: no data</p>'
    bar_h, gap, value_w, max_chars = 20, 6, 70, 60
    # Labels get the room they need (about 8 px a character at 12 px), the bars the rest.
    longest = max(min(len(label), max_chars) for label, _ in rows)
    label_w = max(80, 8 * longest + 12)
    span = max(200, width - label_w - value_w)
    width = label_w + span + value_w
    height = len(rows) * (bar_h + gap) + gap
    vmax = max(v for _, v in rows) or 1
    parts = [f'<svg class="chart" role="img" aria-label="{_e(title)}" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" '
             'xmlns="http://www.w3.org/2000/svg">']
    for i, (label, value) in enumerate(rows):
        y = gap + i * (bar_h + gap)
        w = max(1 if value else 0, round(span * value / vmax))
        short = label if len(label) <= max_chars else label[:max_chars - 1] + "…"
        parts.append(f'<text x="{label_w - 6}" y="{y + bar_h - 6}" text-anchor="end">'
                     f'<title>{_e(label)}</title>{_e(short)}</text>'
                     f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar_h}" '
                     f'fill="{color}"><title>{_e(label)}: {value}</title></rect>'
                     f'<text x="{label_w + w + 6}" y="{y + bar_h - 6}">{value}</text>')
    parts.append("</svg>")
    return "".join(parts)


def line_chart(points: Sequence[tuple[float, int]], *, width: int = 640, height: int = 240,
               x_label: str = "seconds", y_label: str = "programs", title: str = "") -> str:
    if len(points) < 2:
        return f'<p class="empty">{_e(title)}: not enough data yet</p>'
    pad_l, pad_b, pad_t, pad_r = 56, 36, 12, 16
    xmax = max(x for x, _ in points) or 1.0
    ymax = max(y for _, y in points) or 1
    sx = (width - pad_l - pad_r) / xmax
    sy = (height - pad_t - pad_b) / ymax
    coords = " ".join(f"{pad_l + x * sx:.1f},{height - pad_b - y * sy:.1f}" for x, y in points)
    base = height - pad_b
    return (f'<svg class="chart" role="img" aria-label="{_e(title)}" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}" '
            'xmlns="http://www.w3.org/2000/svg">'
            f'<line x1="{pad_l}" y1="{base}" x2="{width - pad_r}" y2="{base}" stroke="#888"/>'
            f'<line x1="{pad_l}" y1="{pad_t}" x2="{pad_l}" y2="{base}" stroke="#888"/>'
            f'<polyline fill="none" stroke="{PALETTE[0]}" stroke-width="2" points="{coords}"/>'
            f'<text x="{pad_l - 4}" y="{pad_t + 10}" text-anchor="end">{ymax}</text>'
            f'<text x="{pad_l - 4}" y="{base}" text-anchor="end">0</text>'
            f'<text x="{width - pad_r}" y="{height - 8}" text-anchor="end">'
            f'{xmax:.0f} {_e(x_label)}</text>'
            f'<text x="{pad_l}" y="{height - 8}">0</text>'
            f'<text x="{pad_l + 6}" y="{pad_t + 10}">{_e(y_label)}</text></svg>')


# --- the page --------------------------------------------------------------------------------

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;
max-width:1000px;color:#222;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:3px 8px;
text-align:left;vertical-align:top}th{background:#f4f4f4}td.n{text-align:right}
svg.chart text{font-size:12px;fill:#222}.empty{color:#888;font-style:italic}
.state-running{color:#1a7f37}.state-killed,.state-failed,.state-interrupted{color:#cf222e}
code,.detail{font-family:ui-monospace,Menlo,monospace;font-size:12px}
.detail{white-space:pre-wrap;word-break:break-all;max-width:520px}
"""


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]],
           numeric: Sequence[int] = ()) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f'<td class="n">{_e(c)}</td>' if i in numeric else f"<td>{_e(c)}</td>"
                         for i, c in enumerate(r)) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _funnel_section(d: ReportData) -> str:
    s = d.funnel.stats
    parts = []
    for i, lang in enumerate(d.langs):
        rows = [("programs", s.get("programs", 0)), ("functions", s.get("functions", 0)),
                ("in the IR", s.get("frontend_accepted", 0)),
                ("with body IR", s.get("with_body_ir", 0)),
                ("tests generated", s.get("tested", 0)),
                (f"translated to {lang}", s.get(f"translated:{lang}", 0)),
                ("passed validation", s.get(f"passed:{lang}", 0))]
        parts.append(f"<h3>{_e(lang)}</h3>"
                     + hbar_chart(rows, color=PALETTE[i % len(PALETTE)], title=f"funnel {lang}"))
        verdicts = d.funnel.verdicts(lang)
        if verdicts:
            parts.append(hbar_chart(sorted(verdicts.items(), key=lambda kv: -kv[1]),
                                    color=PALETTE[(i + 3) % len(PALETTE)],
                                    title=f"verdicts {lang}"))
    rows = [(r.stage, r.lang or "-", r.entered, r.left, r.rejected,
             ", ".join(f"{k} ({n})" for k, n in r.reasons) or "-") for r in d.funnel.rows]
    parts.append(_table(("stage", "lang", "in", "out", "rejected", "top reasons"), rows,
                        numeric=(2, 3, 4)))
    return "".join(parts)


def _strategy_section(d: ReportData) -> str:
    if not d.by_strategy:
        return '<p class="empty">no samples yet</p>'
    rows = [(f"{r['lang']} · {r['translator']} · {r['strategy'] or '-'}", int(r["samples"]))
            for r in d.by_strategy]
    return hbar_chart(rows, color=PALETTE[2], title="samples per language and strategy")


def _failures_section(d: ReportData) -> str:
    if not d.failures:
        return '<p class="empty">no rejects</p>'
    chart = hbar_chart([(f"{f['stage']}/{f['lang'] or '-'}: {f['reason']}", int(f["count"]))
                        for f in d.failures], color=PALETTE[3], title="top failure reasons")
    rows = "".join(
        f"<tr><td>{_e(f['stage'])}</td><td>{_e(f['lang'] or '-')}</td><td>{_e(f['reason'])}</td>"
        f'<td class="n">{int(f["count"])}</td><td><code>{_e(f["source_uri"])}</code> '
        f"{_e(f['function'] or '')}</td>"
        f'<td class="detail">{_e((f["detail"] or "")[:400])}</td></tr>' for f in d.failures)
    return (chart + "<table><thead><tr><th>stage</th><th>lang</th><th>reason</th><th>count</th>"
            f"<th>example</th><th>detail</th></tr></thead><tbody>{rows}</tbody></table>")


def _throughput_section(d: ReportData) -> str:
    chart = line_chart(d.throughput, title="programs finished over the run")
    if not d.timings:
        return chart
    wall = max(float(t["end"]) for t in d.timings) - min(float(t["start"]) for t in d.timings)
    busy = sum(float(t["end"]) - float(t["start"]) for t in d.timings)
    programs = sum(int(t.get("programs", 0)) for t in d.timings)
    rate = programs / wall * 60 if wall > 0 else 0.0
    hosts = sorted({str(t.get("host", "")) for t in d.timings})
    rows = [("shards timed", len(d.timings)), ("programs", programs),
            ("wall seconds (first start to last end)", f"{wall:.1f}"),
            ("shard seconds (sum)", f"{busy:.1f}"), ("programs per minute", f"{rate:.1f}"),
            ("hosts", ", ".join(hosts))]
    # This report's timings are every shard's, like the stats the rows are summed from.
    srows = stage_rows(d.funnel.stats, d.timings)
    went = hbar_chart([(r.stage, round(1000 * r.elapsed_s)) for r in srows
                       if r.elapsed_s is not None],
                      title="where the time went (elapsed ms per phase, summed over shards)")
    per_stage = ("<h3>Where the time went</h3>" + went + _table(
        ("stage", "items", "worker wall s", "CPU s", "ms/item", "elapsed s"),
        format_rows(srows), numeric=(1, 2, 3, 4, 5))
        + "<p>Worker seconds count items in parallel workers each; elapsed is the shards' "
          "own clock, phase by phase. Indented rows are parts of the stage above.</p>"
        if srows else "")
    return chart + _table(("measure", "value"), rows) + per_stage


def render(d: ReportData) -> str:
    st = d.status
    summary = _table(("", ""), [
        ("output", st.out), ("state", f"{st.state} ({st.state_detail})"),
        ("run id", st.run_id or "-"),
        ("shards", f"{st.shards_done}/{st.shards_planned} done"
                   + ("" if st.planning_done else " (still planning)")),
        ("programs", f"{st.programs_done} of {st.programs_planned} planned"),
        ("samples", ", ".join(f"{k} {v}" for k, v in st.samples_by_lang.items()) or "none"),
        ("rejects", st.rejects), ("last activity", st.last_activity or "-")])
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>tolk run report: {_e(Path(st.out).name)}</title>"
        f"<style>{_CSS}</style></head><body>"
        f"<h1>tolk run report</h1><p>generated {_e(d.generated_at)}; "
        f'state <b class="state-{_e(st.state)}">{_e(st.state)}</b></p>{summary}'
        f"<h2>Funnel per language</h2>{_funnel_section(d)}"
        f"<h2>Samples per language and strategy</h2>{_strategy_section(d)}"
        f"<h2>Verdict and rejection reasons</h2>{_failures_section(d)}"
        f"<h2>Throughput over the run</h2>{_throughput_section(d)}"
        "</body></html>\n")


def write_report(out: Path, langs: list[str] | None = None) -> Path:
    out = Path(out)
    path = out / "report.html"
    tmp = out / f".report.html.{os.getpid()}.tmp"
    tmp.write_text(render(collect(out, langs)), encoding="utf-8")
    os.replace(tmp, path)
    return path


# --- Prefect artifacts -----------------------------------------------------------------------

def _run_stats(out: Path, timings: list[dict[str, Any]]) -> dict[str, int]:
    """The stage counters of these shards only (a resumed run skipped the others)."""
    import json
    total: dict[str, int] = defaultdict(int)
    for t in timings:
        path = out / "stats" / f"{t['shard']}.json"
        for k, v in (json.loads(path.read_text()) if path.exists() else {}).items():
            if k.startswith(("stage_", "span_ms:")):
                total[k] += int(v)
    return dict(total)


def publish_artifacts(out: Path, langs: list[str], *, source: str = "", report: str = "",
                      elapsed_s: float = 0.0, run_id: str = "") -> None:
    """Funnel (per language), throughput, top failures with an example, and a report link;
    stable keys so each deployment's runs form a history in the UI."""
    from prefect.artifacts import (create_link_artifact, create_markdown_artifact,
                                   create_table_artifact)
    out = Path(out)
    funnel = compute_funnel(out, langs)
    md = [funnel.to_markdown(), ""]
    for lang in langs:
        v = ", ".join(f"{k} {n}" for k, n in funnel.verdicts(lang).items()) or "none"
        md.append(f"- **{lang}**: {funnel.samples_by_lang.get(lang, 0)} samples; verdicts: {v}; "
                  f"yield over body IR {funnel.yield_over_body_ir(lang):.1%}")
    create_markdown_artifact(key="tolk-funnel", markdown="\n".join(md),
                             description=f"tolk funnel for {source}")
    # This run's shards only: a resumed run did not process the shards it skipped.
    timings = [t for t in read_timings(out) if not run_id or t.get("run_id") == run_id]
    per_lang: dict[str, int] = defaultdict(int)
    for t in timings:
        for lang, n in (t.get("passed") or {}).items():
            per_lang[lang] += int(n)
    programs = sum(int(t.get("programs", 0)) for t in timings)
    minutes = max(elapsed_s, 1e-9) / 60
    stages = [{"measure": f"stage {r.stage}: worker s / CPU s / elapsed s",
                "value": f"{r.wall_s:.1f} / {r.cpu_s:.1f} / "
                         + (f"{r.elapsed_s:.1f}" if r.elapsed_s is not None else "-")}
              for r in stage_rows(_run_stats(out, timings), timings)]
    create_table_artifact(key="tolk-throughput", description="this run's throughput", table=[
        {"measure": "shards processed", "value": len(timings)},
        {"measure": "programs processed", "value": programs},
        {"measure": "run seconds", "value": round(elapsed_s, 1)},
        {"measure": "programs per minute", "value": round(programs / minutes, 2)},
        *({"measure": f"{lang} samples per minute", "value": round(n / minutes, 2)}
          for lang, n in sorted(per_lang.items())), *stages])
    fails = top_failures(out, k=10)
    rows = ["| stage | lang | reason | count | example | detail |", "|---|---|---|---:|---|---|"]
    for f in fails:
        detail = (f["detail"] or "").replace("|", "\\|").replace("\n", " ")[:160]
        rows.append(f"| {f['stage']} | {f['lang'] or '-'} | {f['reason']} | {f['count']} | "
                    f"`{f['source_uri']}` {f['function'] or ''} | {detail} |")
    create_markdown_artifact(key="tolk-failures", markdown="\n".join(rows) if fails
                             else "no rejects", description="top failure reasons")
    if report:
        create_link_artifact(key="tolk-report", link=Path(report).resolve().as_uri(),
                             link_text="HTML run report", description=str(report))
