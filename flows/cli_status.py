"""`tolk status OUT`: what an output directory holds and whether its run is alive.

Key contracts: reads only files (plan.json, plan-shards.jsonl, run.json, stats/, progress/,
timing/, events.jsonl, the samples/rejects parquet of complete shards); never contacts a
Prefect server and never writes, so it is safe on a directory a run is writing. A run whose
run.json says "running" but whose process is gone (same host) is reported as killed:
`tolk run` with the same arguments resumes it, and the processes it left behind (found by
the token in their environment, flows.shutdown) are listed; a run stopped by SIGTERM or
SIGINT says `interrupted`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from tolk.corpus.store import scan_rejects, scan_samples
from tolk.flows.runlog import read_run, read_timings
from tolk.flows.stage_table import stage_rows
from tolk.flows.shutdown import left_behind

__all__ = ["OutputStatus", "summarize", "format_status", "add_status_parser", "status_command"]


@dataclass
class OutputStatus:
    out: str
    state: str  # empty | running | completed | failed | interrupted | killed |
    #             running-elsewhere | unknown
    state_detail: str
    run_id: str = ""
    shards_planned: int = 0
    planning_done: bool = False
    shards_done: int = 0  # complete shards of the current plan
    shards_other: int = 0  # complete shards not in the current plan (older settings)
    programs_planned: int = 0
    programs_expected: int | None = None  # a directory source's file count, while planning
    programs_done: int = 0
    functions: int = 0
    samples_by_lang: dict[str, int] = field(default_factory=dict)
    rejects: int = 0
    in_progress: list[tuple[str, int, int]] = field(default_factory=list)  # shard, done, total
    last_activity: str = ""
    report: str = ""
    left_behind: list[str] = field(default_factory=list)  # "pid cmd" of a killed run's rest
    # Elapsed seconds per phase over the finished shards (flows.stage_table).
    time_by_stage: dict[str, float] = field(default_factory=dict)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _planned(out: Path) -> tuple[list[str], int, bool, int | None]:
    shards: list[str] = []
    programs = 0
    expected = None
    path = out / "plan-shards.jsonl"
    if path.exists():
        for line in path.read_text().splitlines():
            with contextlib.suppress(ValueError, KeyError, TypeError):
                row = json.loads(line)
                shards.append(row["shard"])
                programs += int(row["programs"])
    done = False
    with contextlib.suppress(OSError, ValueError):
        plan = json.loads((out / "plan.json").read_text())
        done = not plan.get("planning", False)
        expected = plan.get("programs_expected")
        if not shards and isinstance(plan.get("shards"), list):  # written by an older tolk
            shards, programs = plan["shards"], int(plan.get("programs") or 0)
            done = True
    return shards, programs, done, expected


def _files(folder: Path) -> list[Path]:
    return sorted(folder.glob("[!.]*.json")) if folder.exists() else []


def _state(run: dict | None, has_data: bool) -> tuple[str, str]:
    if run is None:
        return ("unknown", "no run.json (written by an older tolk?)") if has_data else \
            ("empty", "nothing has run here")
    state = str(run.get("state", "unknown"))
    if state == "interrupted":
        return state, (f"stopped by {run.get('signal', 'a signal')} at "
                       f"{run.get('finished_at', '?')}; run the same command again to resume")
    if state != "running":
        return state, f"finished {run.get('finished_at', '?')}"
    host, pid = run.get("host", ""), int(run.get("pid", 0) or 0)
    if host != socket.gethostname():
        return "running-elsewhere", f"pid {pid} on {host}: cannot check from here"
    if pid and _pid_alive(pid):
        return "running", f"pid {pid} since {run.get('started_at', '?')}"
    return "killed", (f"pid {pid} is gone without finishing (killed or crashed); "
                      "run the same command again to resume")


def summarize(out: Path) -> OutputStatus:
    out = Path(out)
    run = read_run(out)
    planned, programs, planning_done, expected = _planned(out)
    complete = {p.stem for p in _files(out / "stats")}
    stats: dict[str, int] = {}
    for p in _files(out / "stats"):
        with contextlib.suppress(OSError, ValueError):
            for k, v in json.loads(p.read_text()).items():
                stats[k] = stats.get(k, 0) + int(v)
    state, detail = _state(run, bool(complete or planned))
    in_progress = []
    for p in _files(out / "progress"):
        if p.stem not in complete:
            with contextlib.suppress(OSError, ValueError, KeyError):
                d = json.loads(p.read_text())
                in_progress.append((p.stem, int(d["done"]), int(d["total"])))
    mtimes = [p.stat().st_mtime for sub in ("stats", "progress", "timing")
              for p in _files(out / sub)]
    mtimes += [p.stat().st_mtime for p in (out / "events.jsonl", out / "run.json") if p.exists()]
    by_lang = scan_samples(out).group_by("lang").agg(pl.len().alias("n")).collect()
    planned_set = set(planned)
    report = out / "report.html"
    return OutputStatus(
        out=str(out), state=state, state_detail=detail,
        run_id=str((run or {}).get("run_id", "")),
        shards_planned=len(planned), planning_done=planning_done,
        shards_done=len(complete & planned_set) if planned_set else len(complete),
        shards_other=len(complete - planned_set) if planned_set else 0,
        programs_planned=programs, programs_expected=expected, programs_done=stats.get("programs", 0),
        functions=stats.get("functions", 0),
        samples_by_lang=dict(sorted(zip(by_lang["lang"].to_list(), by_lang["n"].to_list()))),
        rejects=scan_rejects(out).select(pl.len()).collect().item(),
        in_progress=in_progress,
        last_activity=datetime.fromtimestamp(max(mtimes), timezone.utc).isoformat(
            timespec="seconds") if mtimes else "",
        report=str(report) if report.exists() else "",
        left_behind=[f"{p.pid} {p.cmd[:100]}" for p in left_behind(out)]
        if state == "killed" else [],
        time_by_stage={r.stage: round(r.elapsed_s, 1) for r in stage_rows(
            stats, read_timings(out)) if r.elapsed_s is not None},
    )


def format_status(s: OutputStatus) -> list[str]:
    planned = f"{s.shards_planned}" + ("" if s.planning_done else "+ (still planning)")
    lines = [f"output:        {s.out}",
             f"state:         {s.state} ({s.state_detail})",
             f"run id:        {s.run_id or '-'}",
             f"shards:        {s.shards_done}/{planned} done"
             + (f"; {s.shards_other} from other settings (not in this plan)"
                if s.shards_other else ""),
             f"programs:      {s.programs_done} done of {s.programs_planned} planned"
             + (f" (~{s.programs_expected} expected)" if not s.planning_done
                and s.programs_expected else "") + "; "
             f"{s.functions} functions",
             "samples:       " + (", ".join(f"{k} {v}" for k, v in s.samples_by_lang.items())
                                  or "none"),
             f"rejects:       {s.rejects}"]
    for shard, done, total in s.in_progress:
        lines.append(f"in progress:   {shard} {done}/{total} programs")
    for proc in s.left_behind:
        lines.append(f"left behind:   pid {proc} (the next `tolk run` here stops it)")
    if s.time_by_stage:
        total = sum(s.time_by_stage.values()) or 1.0
        lines.append("time:          " + ", ".join(
            f"{k} {v:.1f} s ({v / total:.0%})" for k, v in s.time_by_stage.items()))
    lines.append(f"last activity: {s.last_activity or '-'}")
    lines.append(f"report:        {s.report or '- (written at the end of a run)'}")
    return lines


def add_status_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("status", help="summarise an output directory: shards, samples, "
                                      "whether its run is alive")
    p.add_argument("out", help="output directory of `tolk run`")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")


def status_command(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if not out.is_dir():
        from tolk.errors import ConfigError
        raise ConfigError(f"{out} is not a directory")
    s = summarize(out)
    if args.json:
        print(json.dumps(asdict(s), indent=1))
    else:
        print("\n".join(format_status(s)))
    return 0
