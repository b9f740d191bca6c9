"""The sandbox runner: isolation, limits, and that nothing outlives a call.

bwrap tests are skipped where bwrap cannot run; no test asserts on timings beyond the
limits it sets itself (generous wall clocks, outcomes not durations).
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests._procs import procs_of

from tolk.validators.reference import sandbox_python
from tolk.validators.sandbox import SandboxPolicy, available_executors, run_sandboxed

BWRAP = available_executors()["bwrap"]
needs_bwrap = pytest.mark.skipif(BWRAP is not None, reason=f"bwrap unusable: {BWRAP}")
IS_ROOT = os.geteuid() == 0
TEST_UID = 64123  # a uid nothing else uses, so leftover processes are countable
PYTHON, PREFIX = sandbox_python()


def policy(**kw: object) -> SandboxPolicy:
    base = dict(ro_binds=(PREFIX,), wall_seconds=20.0, uid=TEST_UID)
    base.update(kw)
    return SandboxPolicy(**base)  # type: ignore[arg-type]


@pytest.fixture
def workdir() -> Iterator[Path]:
    d = Path(tempfile.mkdtemp(prefix="tolk-test-sbx-"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


def py(code: str, workdir: Path, executor: str = "bwrap", **kw: object):
    return run_sandboxed([PYTHON, "-S", "-c", code], workdir=workdir, policy=policy(**kw),
                         executor=executor)


def test_available_executors_reports_host() -> None:
    ex = available_executors()
    assert ex["host"] is None and "bwrap" in ex


@needs_bwrap
def test_runs_python_with_exit_status_and_output(workdir: Path) -> None:
    r = py("import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)", workdir)
    assert (r.returncode, r.stdout, r.stderr, r.executor) == (3, "out\n", "err\n", "bwrap")
    assert not r.timed_out and r.signal_name == ""


@needs_bwrap
def test_stdin_larger_than_a_pipe_buffer_round_trips(workdir: Path) -> None:
    data = "x" * 300_000 + "\n"
    r = run_sandboxed(["cat"], workdir=workdir, stdin=data, policy=policy())
    assert r.returncode == 0 and r.stdout == data


@needs_bwrap
def test_blocks_network(workdir: Path) -> None:
    host = socket.socket()
    host.bind(("127.0.0.1", 0))
    host.listen()
    host.settimeout(0.5)
    port = host.getsockname()[1]
    code = ("import socket\n"
            "for addr in [('127.0.0.1', %d), ('1.1.1.1', 53), ('10.0.0.1', 80)]:\n"
            "    s = socket.socket(); s.settimeout(3)\n"
            "    try:\n"
            "        s.connect(addr); print('CONNECTED', addr)\n"
            "    except OSError as e:\n"
            "        print('BLOCKED', e)\n" % port)
    r = py(code, workdir)
    assert r.returncode == 0, r.stderr
    assert "CONNECTED" not in r.stdout and r.stdout.count("BLOCKED") == 3
    with pytest.raises(TimeoutError):
        host.accept()  # nothing reached the host's loopback
    host.close()


@needs_bwrap
def test_cannot_read_secrets_even_when_etc_is_bound(workdir: Path) -> None:
    r = run_sandboxed(["sh", "-c", "cat /etc/shadow; ls -A /root; cat /root/.bashrc; id -u"],
                      workdir=workdir, policy=policy(ro_binds=("/etc",)))
    assert "root:" not in r.stdout
    assert "Permission denied" in r.stderr  # /etc/shadow is visible here, but not readable
    if IS_ROOT:
        assert r.stdout.split()[-1] == str(TEST_UID)  # dropped before bwrap
    r = py("import os; print(sorted(os.listdir('/')))", workdir)
    assert "home" not in r.stdout


@needs_bwrap
def test_cannot_write_outside_the_workdir(workdir: Path) -> None:
    marker = f"tolk-escape-{os.getpid()}"
    code = ("import os\n"
            f"for p in ['/usr/{marker}', '/etc/{marker}', '/{marker}']:\n"
            "    try:\n"
            "        open(p, 'w').write('x'); print('WROTE', p)\n"
            "    except OSError as e:\n"
            "        print('denied', p)\n"
            f"open('/tmp/{marker}', 'w').write('private tmpfs')\n"
            "open('inside', 'w').write('ok')\n")
    r = py(code, workdir)
    assert r.returncode == 0, r.stderr
    assert "WROTE" not in r.stdout and r.stdout.count("denied") == 3
    assert not Path(f"/tmp/{marker}").exists() and not Path(f"/usr/{marker}").exists()
    assert (workdir / "inside").read_text() == "ok"


@needs_bwrap
def test_read_only_workdir(workdir: Path) -> None:
    (workdir / "given").write_text("data")
    r = run_sandboxed(["sh", "-c", "cat given; echo x > new"], workdir=workdir,
                      policy=policy(), writable_workdir=False)
    assert r.stdout == "data" and r.returncode != 0 and not (workdir / "new").exists()


@needs_bwrap
def test_fork_loop_is_contained_by_nproc(workdir: Path) -> None:
    counting = ("import os, time\n"
                "n = 0\n"
                "for _ in range(200):\n"
                "    try:\n"
                "        if os.fork() == 0:\n"
                "            time.sleep(60); os._exit(0)\n"
                "        n += 1\n"
                "    except OSError:\n"
                "        break\n"
                "print(n)\n")
    r = py(counting, workdir, nproc=20)
    assert r.returncode == 0, r.stderr
    assert int(r.stdout) < 20
    bomb = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
    r = py(bomb, workdir, nproc=20, wall_seconds=3.0)
    assert r.timed_out and r.returncode is None
    assert procs_of(TEST_UID) == []  # nothing outlived the call
    assert run_sandboxed(["true"], workdir=workdir, policy=policy()).returncode == 0


@needs_bwrap
def test_background_children_do_not_outlive_the_call(workdir: Path) -> None:
    r = run_sandboxed(["sh", "-c", "(setsid sleep 60 &) ; sleep 60 & echo started"],
                      workdir=workdir, policy=policy())
    assert r.returncode == 0 and "started" in r.stdout
    assert procs_of(TEST_UID) == []


@pytest.mark.parametrize("executor", [pytest.param("bwrap", marks=needs_bwrap), "host"])
def test_infinite_loop_is_killed_by_the_wall_clock(workdir: Path, executor: str) -> None:
    r = py("while True: pass", workdir, executor, wall_seconds=1.5)
    assert r.timed_out and r.returncode is None and r.signal_name == "SIGKILL"


@pytest.mark.parametrize("executor", [pytest.param("bwrap", marks=needs_bwrap), "host"])
def test_infinite_output_is_truncated_and_killed(workdir: Path, executor: str) -> None:
    cap = 64 * 1024
    r = py("import sys\nwhile True: sys.stdout.write('y' * 4096)", workdir, executor,
           output_limit_bytes=cap)
    assert r.stdout_truncated and r.killed_for_output and len(r.stdout) == cap
    assert set(r.stdout) == {"y"} and r.returncode is None and not r.timed_out


@pytest.mark.parametrize("executor", [pytest.param("bwrap", marks=needs_bwrap), "host"])
def test_memory_bomb_fails(workdir: Path, executor: str) -> None:
    r = py("x = bytearray(2 * 1024**3)\nprint('ALLOCATED')", workdir, executor,
           memory_bytes=512 * 1024**2)
    assert r.returncode != 0 and "ALLOCATED" not in r.stdout and "MemoryError" in r.stderr


@needs_bwrap
def test_memory_limit_zero_means_unlimited(workdir: Path) -> None:
    r = py("x = bytearray(600 * 1024**2); print(len(x))", workdir, memory_bytes=0)
    assert r.returncode == 0 and r.stdout.strip() == str(600 * 1024**2)


@needs_bwrap
def test_cpu_limit_and_signals_are_reported(workdir: Path) -> None:
    r = py("while True: pass", workdir, cpu_seconds=1, wall_seconds=30.0)
    assert not r.timed_out and r.signal_name in ("SIGXCPU", "SIGKILL")
    r = py("import os, signal; os.kill(os.getpid(), signal.SIGSEGV)", workdir)
    assert r.signal_name == "SIGSEGV" and r.returncode == -11


@needs_bwrap
def test_cpu_time_of_the_sandboxed_program_is_accounted(workdir: Path) -> None:
    r = py("x = 0\nfor i in range(3 * 10**6): x += i", workdir)
    assert r.returncode == 0 and r.cpu_s > 0 and r.max_rss_kb > 0


@needs_bwrap
def test_file_size_limit(workdir: Path) -> None:
    r = py("open('big', 'wb').write(b'z' * (4 << 20))", workdir, file_size_bytes=1 << 20)
    assert r.returncode != 0 and (workdir / "big").stat().st_size <= 1 << 20


def test_host_executor_warns_once_that_it_is_not_isolated(workdir: Path,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    from tolk.validators import sandbox
    sandbox._warn_host_once.cache_clear()
    with caplog.at_level(logging.WARNING, logger="tolk.validators.sandbox"):
        r1 = py("print(1 + 1)", workdir, "host")
        r2 = py("print(2 + 2)", workdir, "host")
    assert (r1.stdout, r2.stdout, r1.executor) == ("2\n", "4\n", "host")
    assert sum("NOT isolated" in rec.message for rec in caplog.records) == 1


def test_env_is_minimal_plus_extras(workdir: Path) -> None:
    os.environ["TOLK_TEST_SECRET"] = "leak"
    try:
        for ex in (["host"] if BWRAP else ["host", "bwrap"]):
            r = run_sandboxed([PYTHON, "-S", "-c", "import os; print(sorted(os.environ.items()))"],
                              workdir=workdir, policy=policy(), env={"EXTRA": "1"}, executor=ex)
            assert "leak" not in r.stdout and "('EXTRA', '1')" in r.stdout
            assert f"('HOME', '{workdir.resolve()}')" in r.stdout
    finally:
        del os.environ["TOLK_TEST_SECRET"]


def test_python_used_inside_is_the_running_minor_version(workdir: Path) -> None:
    r = run_sandboxed([PYTHON, "-S", "-c", "import sys; print(sys.version_info[:2])"],
                      workdir=workdir, policy=policy())
    assert r.stdout.strip() == str(tuple(sys.version_info[:2])), r.stderr


@needs_bwrap
def test_concurrent_sandboxes_with_distinct_uids(workdir: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def one(k: int):
        d = Path(tempfile.mkdtemp(prefix=f"tolk-test-sbx-{k}-"))
        code = "import os, time\npids = [os.fork() or (time.sleep(1), os._exit(0)) for _ in range(10)]\nprint('ok')"
        try:
            return run_sandboxed([PYTHON, "-S", "-c", code], workdir=d,
                                 policy=policy(nproc=16, uid=TEST_UID + 1 + k))
        finally:
            shutil.rmtree(d, ignore_errors=True)

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(one, range(4)))
    assert [r.stdout for r in results] == ["ok\n"] * 4, [r.stderr for r in results]
    assert all(procs_of(TEST_UID + 1 + k) == [] for k in range(4))


@needs_bwrap
def test_default_policy_leases_a_uid_per_run_so_a_fork_bomb_starves_no_neighbour(
        workdir: Path) -> None:
    """Same nproc budget per uid: without leases the bomb would stop the neighbour's forks."""
    import threading

    bomb_started = threading.Event()

    def bomb() -> None:
        d = Path(tempfile.mkdtemp(prefix="tolk-test-bomb-"))
        code = ("import os, time\nwhile True:\n    try:\n        os.fork()\n"
                "    except OSError:\n        time.sleep(0.05)")
        try:
            bomb_started.set()
            run_sandboxed([PYTHON, "-S", "-c", code], workdir=d,
                          policy=policy(nproc=16, uid=None, wall_seconds=4.0, cpu_seconds=8))
        finally:
            shutil.rmtree(d, ignore_errors=True)

    t = threading.Thread(target=bomb)
    t.start()
    bomb_started.wait()
    import time as _time
    _time.sleep(1.0)  # let the bomb fill its budget
    code = "import os\npids = [os.fork() or os._exit(0) for _ in range(8)]\n[os.waitpid(p, 0) for p in pids]\nprint('ok')"
    r = run_sandboxed([PYTHON, "-S", "-c", code], workdir=workdir,
                      policy=policy(nproc=16, uid=None))
    t.join()
    assert r.stdout == "ok\n", r.stderr


@needs_bwrap
def test_data_rlimit_holds_writable_memory_but_not_reservations(workdir: Path) -> None:
    """memory_rlimit="data" (CUDA): a big PROT_NONE reservation is fine, a big write is not."""
    code = ("import mmap, sys\n"
            "r = mmap.mmap(-1, 4 << 30, prot=0)\n"  # PROT_NONE, like the CUDA driver
            "print('reserved', flush=True)\n"
            "b = bytearray(512 << 20)\n"
            "print('allocated', flush=True)")
    r = run_sandboxed([PYTHON, "-S", "-c", code], workdir=workdir,
                      policy=policy(memory_bytes=256 << 20, memory_rlimit="data"))
    assert "reserved" in r.stdout and "allocated" not in r.stdout, (r.stdout, r.stderr)
    r_as = run_sandboxed([PYTHON, "-S", "-c", code], workdir=workdir,
                         policy=policy(memory_bytes=256 << 20))
    assert "reserved" not in r_as.stdout  # RLIMIT_AS refuses even the reservation


@needs_bwrap
def test_dev_binds_pass_a_device_node_through(workdir: Path) -> None:
    r = run_sandboxed(["/bin/sh", "-c", "test -c /dev/full && echo yes || echo no"],
                      workdir=workdir, policy=policy(dev_binds=("/dev/full",)))
    assert r.stdout.strip() == "yes", r.stderr


@needs_bwrap
@pytest.mark.parametrize("executor", ["bwrap", "host"])
def test_path_dirs_put_a_toolchain_outside_the_fixed_path_on_path(workdir: Path,
                                                                  executor: str) -> None:
    # A GPU machine keeps nvcc in /usr/local/cuda-13.0/bin: found by name only via path_dirs.
    tools = workdir / "tools"
    tools.mkdir()
    (tools / "tolk-fake-tool").write_text("#!/bin/sh\necho tool ran\n")
    (tools / "tolk-fake-tool").chmod(0o755)
    os.chmod(workdir, 0o755)
    plain = run_sandboxed(["tolk-fake-tool"], workdir=workdir, policy=policy(), executor=executor)
    assert plain.returncode == 127
    found = run_sandboxed(["tolk-fake-tool"], workdir=workdir,
                          policy=policy(path_dirs=(str(tools),)), executor=executor)
    assert (found.returncode, found.stdout) == (0, "tool ran\n"), found.stderr


@needs_bwrap
def test_dev_is_read_only_and_its_shm_is_capped(workdir: Path) -> None:
    # bwrap's /dev is a tmpfs without a size cap: writable, it would take host memory.
    r = run_sandboxed(["/bin/sh", "-c",
                       "touch /dev/x 2>/dev/null && echo dev-writable; "
                       "echo ok > /dev/null && echo null-ok; "
                       "head -c 3000000 /dev/zero > /dev/shm/z; wc -c < /dev/shm/z"],
                      workdir=workdir, policy=policy(tmp_bytes=1 << 20), executor="bwrap")
    assert r.stdout == "null-ok\n1048576\n", (r.stdout, r.stderr)
