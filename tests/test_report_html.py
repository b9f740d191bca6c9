"""The self-contained HTML run report: charts from the store, escaped, no script, no network."""

from __future__ import annotations

import re
from pathlib import Path

from tests._outdirs import make_out, reject, sample
from tolk.flows.report_html import (collect, hbar_chart, line_chart, render, throughput_series,
                                    top_failures, write_report)

HOSTILE = "<script>alert('x')</script> & \"quotes\""


def _out(tmp_path: Path) -> Path:
    return make_out(tmp_path / "out", {
        "00000-a": ([sample(1), sample(2, strategy="via-ir", translator="vllm"),
                     sample(3, lang="cobol")],
                    [reject(1, "wrong_answer", detail=HOSTILE), reject(2, "wrong_answer"),
                     reject(3, "compile_error"),
                     reject(4, "syntax_error", stage="frontend", lang="")],
                    {"programs": 2, "functions": 6, "frontend_accepted": 5, "with_body_ir": 5,
                     "tested": 5, "translated:fortran": 5, "passed:fortran": 2,
                     "validated:fortran:passed": 2, "validated:fortran:wrong_answer": 2,
                     "validated:fortran:compile_error": 1}),
        "00001-b": ([sample(4)], [reject(5, "wrong_answer")],
                    {"programs": 2, "functions": 2, "frontend_accepted": 2, "tested": 2,
                     "translated:fortran": 2, "passed:fortran": 1}),
    })


def test_top_failures_ranks_reasons_with_an_example_each(tmp_path: Path) -> None:
    fails = top_failures(_out(tmp_path))
    assert [(f["reason"], f["count"]) for f in fails][:1] == [("wrong_answer", 3)]
    assert {f["reason"] for f in fails} == {"wrong_answer", "compile_error", "syntax_error"}
    first = fails[0]
    assert first["function"] == "g1" and first["source_uri"] == "src/r1.py"  # first by uri
    assert first["detail"] == HOSTILE


def test_throughput_series_is_cumulative_in_end_order() -> None:
    timings = [{"shard": "b", "start": 105.0, "end": 120.0, "programs": 3},
               {"shard": "a", "start": 100.0, "end": 110.0, "programs": 2}]
    assert throughput_series(timings) == [(0.0, 0), (10.0, 2), (20.0, 5)]
    assert throughput_series([]) == []


def test_report_has_every_chart_and_no_script_or_network(tmp_path: Path) -> None:
    out = _out(tmp_path)
    path = write_report(out)
    assert path == out / "report.html"
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<script" not in page.lower()
    # The only URL is the SVG namespace; nothing is fetched (no src=, no stylesheet link).
    urls = set(re.findall(r"https?://[^\s\"'<>]+", page))
    assert urls == {"http://www.w3.org/2000/svg"}
    assert " src=" not in page and "<link" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;quotes&quot;" in page
    for heading in ("Funnel per language", "Samples per language and strategy",
                    "Verdict and rejection reasons", "Throughput over the run"):
        assert f"<h2>{heading}</h2>" in page
    assert page.count("<svg") >= 6  # 2 funnels, 1 verdict chart, strategy, reasons, throughput
    assert "fortran · vllm · via-ir" in page and "cobol · lowering · direct" in page
    assert "<title>passed validation: 3</title>" in page  # fortran passed, both shards
    assert "<polyline" in page and page.count(",") > 0
    assert "2/2 done" in page


def test_report_of_an_empty_directory_says_so(tmp_path: Path) -> None:
    page = render(collect(tmp_path, ["fortran"]))
    assert "no samples yet" in page and "no rejects" in page
    assert "not enough data yet" in page


def test_charts_scale_bars_to_the_largest_value() -> None:
    svg = hbar_chart([("big", 100), ("half", 50), ("none", 0)], width=640)
    widths = [int(w) for w in re.findall(r'<rect [^>]*width="(\d+)"', svg)]
    assert widths[0] == 2 * widths[1] and widths[2] == 0
    line = line_chart([(0.0, 0), (10.0, 5)], width=300, height=200)
    pts = re.search(r'points="([^"]+)"', line).group(1).split()
    assert len(pts) == 2 and pts[0] != pts[1]
