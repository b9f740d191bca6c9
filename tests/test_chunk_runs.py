"""Many runs in one sandbox (`validators/chunk_runs.py` + `chunk_runner.py`): each run is
reported as a sandbox of its own would report it, and nothing of one run reaches the next.

The jobs are shell commands standing in for candidates that attack their batchmates."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests._procs import procs_of

from tolk.validators import chunk_runs
from tolk.validators.chunk_runs import run_one_after_another
from tolk.validators.sandbox import SandboxPolicy, available_executors, run_sandboxed

BWRAP = available_executors()["bwrap"]
pytestmark = pytest.mark.skipif(BWRAP is not None, reason=f"bwrap unusable: {BWRAP}")
TEST_UID = 64124  # a uid nothing else uses, so leftover processes are countable


def policy(**kw: object) -> SandboxPolicy:
    base: dict[str, object] = dict(wall_seconds=5.0, cpu_seconds=3, nproc=32, nofile=40,
                                   uid=TEST_UID if os.geteuid() == 0 else None)
    base.update(kw)
    return SandboxPolicy(**base)  # type: ignore[arg-type]


@pytest.fixture
def workdir() -> Iterator[Path]:
    # Not tmp_path: pytest's base dir is private to us, the dropped uid could not reach it.
    d = Path(tempfile.mkdtemp(prefix="tolk-test-chunk-"))
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def sh(script: str) -> list[str]:
    return ["/bin/sh", "-c", script]


def test_each_run_is_reported_as_its_own_sandbox_would_report_it(workdir: Path) -> None:
    jobs = [(sh("cat; echo out; echo err >&2; exit 3"), "from stdin\n"),
            (sh("kill -SEGV $$"), ""),
            (sh("exit 139"), ""),  # what a shell reports for a SIGSEGV'd child, read alike
            (["true"], "")]
    shared = run_one_after_another(jobs, workdir, policy())
    alone = [run_sandboxed(argv, workdir=workdir, stdin=stdin, policy=policy(),
                           writable_workdir=False, executor="bwrap") for argv, stdin in jobs]
    assert len(shared) == len(jobs)
    for s, a in zip(shared, alone, strict=True):
        assert (s.returncode, s.signal_name, s.stdout, s.stderr, s.timed_out, s.executor) == \
               (a.returncode, a.signal_name, a.stdout, a.stderr, a.timed_out, a.executor)
    assert (shared[0].returncode, shared[0].stdout) == (3, "from stdin\nout\n")
    assert (shared[1].returncode, shared[1].signal_name) == (-11, "SIGSEGV")


def test_nothing_of_one_run_reaches_the_next(workdir: Path) -> None:
    leave = ("sleep 60 & "
             "mkdir /tmp/d && touch /tmp/d/f && chmod 000 /tmp/d; echo r > /tmp/residue; "
             "echo s > /dev/shm/residue; touch /dev/added; ipcmk -M 4096 >/dev/null; "
             "ls -A /tmp /dev/shm; ipcs -m | grep -c 0x")
    look = ("ls -A /tmp; echo --; ls -A /dev/shm; echo --; ls -A /dev | grep -c added; "
            "echo --; cat /proc/[0-9]*/comm; echo --; ipcs -m | grep -c 0x")
    first, second = run_one_after_another([(sh(leave), ""), (sh(look), "")], workdir, policy())
    # The first run did leave all that behind...
    assert "residue" in first.stdout and "d" in first.stdout.split() and \
        first.stdout.rstrip().endswith("1"), first
    # ...and the second saw none of it: only the work dir's mount point is left in /tmp.
    tmp, shm, added, comms, segments = second.stdout.split("--\n")
    assert tmp.split() == [workdir.parts[2]], second
    assert shm.split() == [] and added.strip() == "0" and segments.strip() == "0", second
    assert "sleep" not in comms.split(), comms
    if os.geteuid() == 0:
        assert procs_of(TEST_UID) == [], "a process of the sandbox uid outlived the runs"


def test_runs_cannot_stop_read_or_signal_the_runner(workdir: Path) -> None:
    attack = ("kill -INT 1; kill -TERM 1; kill -KILL 1; kill -STOP 1; "
              "cat /proc/1/environ; ls /proc/1/fd; echo attacked")
    first, second = run_one_after_another([(sh(attack), ""), (sh("echo alive"), "")],
                                          workdir, policy())
    assert first.stdout == "attacked\n"
    assert "/proc/1/environ: Permission denied" in first.stderr, first.stderr
    assert "/proc/1/fd" in first.stderr, first.stderr
    assert second.stdout == "alive\n" and second.returncode == 0


def test_every_run_gets_the_limits_a_single_run_gets(workdir: Path) -> None:
    show = sh("ulimit -t; ulimit -n; ulimit -p")
    runs = run_one_after_another([(show, ""), (show, "")], workdir, policy())
    alone = run_sandboxed(show, workdir=workdir, policy=policy(), writable_workdir=False,
                          executor="bwrap")
    assert runs[0].stdout == runs[1].stdout == alone.stdout == "3\n40\n32\n"


def test_a_run_that_hangs_or_floods_ends_alone(workdir: Path) -> None:
    runs = run_one_after_another(
        [(sh("sleep 30"), ""), (sh("head -c 5000000 /dev/zero | tr '\\0' x"), ""),
         (sh("echo fine"), "")], workdir, policy(wall_seconds=2.0, output_limit_bytes=1 << 20))
    assert runs[0].timed_out and runs[0].returncode is None
    assert runs[1].killed_for_output and runs[1].stdout_truncated
    assert len(runs[1].stdout) == 1 << 20
    assert runs[2].stdout == "fine\n" and runs[2].returncode == 0


def test_the_list_stops_where_the_sandbox_cannot_be_trusted_any_more(workdir: Path) -> None:
    # A changed mode of a shared dir is not put back: the runs after it are not made.
    broken = run_one_after_another(
        [(sh("chmod 700 /tmp && echo done"), ""), (sh("echo next"), "")],
        workdir, policy())
    assert [r.stdout for r in broken] == ["done\n"]
    # A tool that is not there is reported as the single path reports it (sh: exit 127).
    missing = run_one_after_another([(["echo", "a"], ""), (["/no/such/tool"], ""),
                                     (["echo", "b"], "")], workdir, policy())
    assert [r.stdout for r in missing] == ["a\n", "", "b\n"]
    assert missing[1].returncode == 127 and "not found" in missing[1].stderr


def test_the_runner_ships_as_bytecode_only_for_our_own_interpreter(
        workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ours = str(Path(getattr(sys, "_base_executable", sys.executable)).resolve())
    files = chunk_runs._runner_files(ours)
    assert [name for _, name in files] == ["tolk_chunk_runner.pyc", "tolk_pump.pyc"]
    assert all(src.read_bytes()[:4] == importlib.util.MAGIC_NUMBER
               for src, _ in files)
    other = chunk_runs._runner_files("/opt/some/other/python3")
    assert [name for _, name in other] == ["tolk_chunk_runner.py", "tolk_pump.py"]
    # The sources run as well (an interpreter whose bytecode may differ gets them).
    monkeypatch.setattr(chunk_runs, "_runner_files", lambda python: other)
    [run] = run_one_after_another([(sh("echo from-source"), "")], workdir, policy())
    assert (run.returncode, run.stdout) == (0, "from-source\n")
    assert (workdir / "tolk_chunk_runner.py").is_file()


def test_a_tree_deeper_than_python_recursion_or_path_max_is_wiped(workdir: Path) -> None:
    # 3000 levels: past the recursion limit (1000), and past PATH_MAX (4096) as a path.
    deep = ("import os\n"
            "os.chdir('/tmp')\n"
            "for i in range(3000):\n"
            "    os.mkdir('dd'); os.chdir('dd')\n"
            "    if i % 500 == 0: open('f', 'w').write('x'); os.mkdir('wide'); os.mkdir('w2')\n"
            "os.chmod('.', 0)\n"
            "print('deep')\n")
    look = "ls -A /tmp"
    runs = run_one_after_another([(["python3", "-c", deep], ""), (sh(look), ""),
                                  (sh("echo after"), "")], workdir, policy())
    assert [r.stdout for r in runs] == ["deep\n", workdir.parts[2] + "\n", "after\n"], runs
