"""What a run leaves beside its data so people and `tolk status` can see what happened.

Files in an output directory (all small, all JSON):

    run.json            who runs here: run_id, pid, host, started_at, state (running,
                        completed, failed, interrupted), finished_at, mark (flows.procs)
    events.jsonl        structured log, one JSON object a line (run/shard events)
    timing/<shard>.json per-shard start/end times and counts (throughput over the run)

Key contracts: every write is atomic (temp file + rename) or a single O_APPEND line, so a
SIGKILL never leaves a half-written record that breaks a reader; readers skip lines and
files they cannot parse. Console logs can be JSON lines too
(`enable_json_logs()`, the `--log-json` option), for log shippers.
"""

from __future__ import annotations

import json
import os
import socket
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

__all__ = ["now_iso", "write_json_atomic", "log_event", "read_events", "mark_run_started",
           "mark_run_finished", "read_run", "write_timing", "read_timings",
           "enable_json_logs"]


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def write_json_atomic(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True, default=str))
    os.replace(tmp, path)


def log_event(out: Path, event: str, **fields: Any) -> None:
    """Append one event; one write() of one line, so concurrent writers do not interleave."""
    line = json.dumps({"ts": time.time(), "event": event, **fields}, default=str) + "\n"
    out.mkdir(parents=True, exist_ok=True)
    fd = os.open(out / "events.jsonl", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, line.encode("utf-8"))
    finally:
        os.close(fd)


def read_events(out: Path) -> Iterator[dict[str, Any]]:
    path = out / "events.jsonl"
    if not path.exists():
        return
    with path.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            try:
                yield json.loads(line)
            except ValueError:  # a line cut by a kill
                continue


def mark_run_started(out: Path, run_id: str) -> None:
    # "mark": the token in the environment of every process the run starts (flows.procs),
    # so what a SIGKILLed run left behind can be found later.
    write_json_atomic(out / "run.json", {
        "run_id": run_id, "pid": os.getpid(), "host": socket.gethostname(),
        "started_at": now_iso(), "state": "running",
        "mark": os.environ.get("TOLK_RUN_MARK", "")})


def mark_run_finished(out: Path, state: str, **extra: Any) -> None:
    run = read_run(out) or {}
    write_json_atomic(out / "run.json", {**run, **extra, "state": state,
                                         "finished_at": now_iso()})


def read_run(out: Path) -> dict[str, Any] | None:
    try:
        return json.loads((out / "run.json").read_text())
    except (OSError, ValueError):
        return None


def write_timing(out: Path, shard: str, **fields: Any) -> None:
    write_json_atomic(out / "timing" / f"{shard}.json", {"shard": shard, **fields})


def read_timings(out: Path) -> list[dict[str, Any]]:
    """Per-shard timings, oldest end first; unreadable files are skipped."""
    rows = []
    folder = out / "timing"
    for path in sorted(folder.glob("[!.]*.json")) if folder.exists() else ():
        try:
            row = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(row, dict) and "start" in row and "end" in row:
            rows.append(row)
    return sorted(rows, key=lambda r: (r["end"], r["shard"]))


def enable_json_logs() -> None:
    """Prefect's console logs (and tolk's, which go through the root logger) as JSON lines,
    via Prefect's own `json` formatter; call before the first flow runs (`--log-json`)."""
    os.environ["PREFECT_LOGGING_HANDLERS_CONSOLE_FORMATTER"] = "json"
    from prefect.logging.configuration import PROCESS_LOGGING_CONFIG, setup_logging
    if PROCESS_LOGGING_CONFIG:  # already configured in this process: redo it
        setup_logging(incremental=False)
