"""Hostile source files never crash a run: each ends in the rejects with its reason.

Every file goes the way a run takes it: `iter_source` -> `filter_programs` ->
`flows.shard.process_shard` (lowering translator, fortran, a tiny BuildConfig). One
ordinary program rides along to show the run goes on around them.
"""

from __future__ import annotations

import gzip
import json
import os
import threading
from pathlib import Path

import pytest

import tolk.corpus.sources as sources
from tolk.corpus.filters import filter_programs
from tolk.corpus.sources import iter_source
from tolk.flows.config import BuildConfig
from tolk.flows.shard import process_shard
from tolk.ir.function import Program
from tolk.outcome import Rejected

GOOD = "def add(a: int, b: int) -> int:\n    return a + b\n"


def _run(spec: str, options: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """uri -> reason of every rejection, after the whole pipeline; "sample" for samples."""
    items = list(filter_programs(iter_source(spec, options)))
    config = BuildConfig(source=spec, out=str(tmp_path / "out"), n_inputs=10, workers=1)
    res = process_shard(items, config, run_id="r", shard="s")
    got = {r["source_uri"]: r["reason"] for r in res.rejects}
    got.update({s["source_uri"]: "sample" for s in res.samples})
    assert res.stats["programs"] == len(items)
    return got


def _hostile_tree(root: Path, outside: Path) -> None:
    root.mkdir()
    (root / "good.py").write_text(GOOD)
    (root / "latin1.py").write_bytes("def f(x: int) -> str:\n    return 'caf\xe9'\n"
                                     .encode("latin-1"))
    (root / "nul.py").write_bytes(b"def f(x: int) -> int:\n    return x\x00\n")
    (root / "enormous.py").write_text("x = 1\n" * 60_000)  # 360 KB > 256 KiB
    (root / "huge_line.py").write_text("X = '" + "a" * 100_000 + "'\n")
    (root / "deep.py").write_text("def f(x: int) -> int:\n    return " + "(" * 400 + "x"
                                  + ")" * 400 + "\n")
    (root / "unary.py").write_text("def f(x: int) -> int:\n    return " + "-" * 600 + "x\n")
    (root / "chain.py").write_text("def f(x: int) -> int:\n    return (x\n"
                                   + "        + x\n" * 3000 + "    )\n")
    (root / "malformed.py").write_text("def f(x: int) -> int\n    return (x\n")
    (root / "empty.py").write_text("")
    (root / "zz_dupe.py").write_text("# the same program again\n" + GOOD)
    os.symlink(root / "loop_b.py", root / "loop_a.py")
    os.symlink(root / "loop_a.py", root / "loop_b.py")
    outside.write_text(GOOD.replace("add", "secret"))
    os.symlink(outside, root / "escape.py")
    os.symlink(root, root / "self_dir")  # a directory loop: never entered
    os.mkfifo(root / "fifo.py")  # opening this for reading would block forever


def test_hostile_directory_files_end_in_rejects(tmp_path: Path) -> None:
    root = tmp_path / "hostile"
    _hostile_tree(root, tmp_path / "outside.py")
    got = _run(str(root), {}, tmp_path)
    want = {
        "hostile/good.py": "sample",
        "hostile/latin1.py": "not_utf8",
        "hostile/nul.py": "binary",
        "hostile/enormous.py": "too_large",
        "hostile/huge_line.py": "size:long_line",
        "hostile/deep.py": "nesting:too_deep",
        "hostile/unary.py": "nesting:too_deep",
        "hostile/chain.py": "nesting:too_deep",
        "hostile/malformed.py": "syntax_error",
        "hostile/empty.py": "size:too_small",
        "hostile/zz_dupe.py": "duplicate:exact",
        "hostile/loop_a.py": "unreadable:symlink_loop",
        "hostile/loop_b.py": "unreadable:symlink_loop",
        "hostile/escape.py": "unreadable:symlink_outside_root",
        "hostile/fifo.py": "unreadable:not_regular_file",
    }
    assert got == want


def test_unreadable_file_and_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "perm"
    (root / "locked").mkdir(parents=True)
    (root / "locked" / "x.py").write_text(GOOD)
    (root / "secret.py").write_text(GOOD.replace("add", "plus"))
    if os.geteuid() != 0:  # root reads anything: simulate its refusal instead
        (root / "secret.py").chmod(0)
        (root / "locked").chmod(0)
    else:
        real_open, real_scandir = open, os.scandir

        def deny_open(path: object, *a: object, **k: object):  # type: ignore[no-untyped-def]
            if str(path).endswith("secret.py"):
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(path, *a, **k)  # type: ignore[call-overload]

        def deny_scandir(path: object = "."):  # type: ignore[no-untyped-def]
            if str(path).endswith("locked"):
                raise PermissionError(13, "Permission denied", str(path))
            return real_scandir(path)  # type: ignore[arg-type]
        monkeypatch.setattr(sources, "open", deny_open, raising=False)
        monkeypatch.setattr(os, "scandir", deny_scandir)
    try:
        items = list(filter_programs(iter_source(str(root), {})))
    finally:
        (root / "locked").chmod(0o755)
        (root / "secret.py").chmod(0o644)
    reasons = {i.uri: i.reason for i in items if isinstance(i, Rejected)}
    assert reasons == {"perm/locked": "unreadable:directory", "perm/secret.py": "unreadable"}


def test_hostile_jsonl_rows_end_in_rejects(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    with open(path, "wb") as f:
        f.write(json.dumps({"content": GOOD, "id": "good"}).encode() + b"\n")
        f.write(b'{"content": "def f(\xff\xfe", "id": "bytes"}\n')
        f.write(json.dumps({"content": "def f():\x00", "id": "nul"}).encode() + b"\n")
        f.write(b'{"content": ' + b"[" * 50_000 + b"\n")  # would blow a recursive decoder
        f.write(b'{"id": "giant", "content": "' + b"x" * 2_000_000 + b'"}\n')
        f.write(json.dumps({"content": "def g(x: int) -> int:\n    return " + "-" * 600
                            + "x\n", "id": "deep"}).encode() + b"\n")
        f.write(b"\n")
        f.write(json.dumps({"content": GOOD.replace("+", "*").replace("add", "mul"),
                            "id": "last"}).encode())
    got = _run(str(path), {"id_column": "id"}, tmp_path)
    assert got == {
        "rows.jsonl#good": "sample",
        "rows.jsonl#2": "not_utf8",
        "rows.jsonl#nul": "binary",
        "rows.jsonl#4": "malformed_row:json",
        "rows.jsonl#5": "too_large",
        "rows.jsonl#deep": "nesting:too_deep",
        "rows.jsonl#last": "sample",
    }


def test_truncated_gzip_and_corrupt_parquet(tmp_path: Path) -> None:
    good = gzip.compress((json.dumps({"content": GOOD}) + "\n").encode() * 3)
    (tmp_path / "cut.jsonl.gz").write_bytes(good[: len(good) // 2])
    items = list(iter_source(str(tmp_path / "cut.jsonl.gz"), {}))
    assert isinstance(items[-1], Rejected) and items[-1].reason == "unreadable"
    (tmp_path / "bad.parquet").write_bytes(b"PAR1" + os.urandom(256) + b"PAR1")
    [item] = list(iter_source(str(tmp_path / "bad.parquet"), {}))
    assert isinstance(item, Rejected) and item.reason == "unreadable"


def test_fifo_does_not_block_the_walk(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.py")
    (tmp_path / "ok.py").write_text(GOOD)
    out: list[Program | Rejected] = []
    t = threading.Thread(target=lambda: out.extend(iter_source(str(tmp_path), {})),
                         daemon=True)
    t.start()
    t.join(30)
    assert not t.is_alive()
    assert [getattr(i, "reason", "ok") for i in out] == ["ok", "unreadable:not_regular_file"]
