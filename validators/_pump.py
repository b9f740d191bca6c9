"""Drive one sandboxed child: feed stdin, read capped stdout/stderr, enforce the wall clock.

One thread, one poll over the two pipes, stdin and a pidfd (Linux ≥ 5.3), so
neither a silent child nor a flood of output can block us. Key contracts: each stream
keeps at most `cap` bytes; past `2 * cap` the whole process group is SIGKILLed. At the
deadline the group is SIGKILLed. When the child exits, the group is SIGKILLed too, so
nothing it left behind survives (an escapee that called setsid() is bwrap's pid
namespace's job; under the host executor it can outlive us, and we stop reading after a
short grace). With `info_fd` (bwrap's --info-fd), the sandbox's pid 1 is killed first
and waited for: its exit tears the pid namespace down, so every process in it is gone
when `pump` returns. Returns the raw wait status and rusage from `os.wait4`.

`chunk_runner.py` imports this file inside the sandbox, once per chunk: it imports only
modules written in C (no re, dataclasses, subprocess, selectors or signal: their imports,
enum's above all, took most of the runner's start-up).
"""

from __future__ import annotations

import os
import select
import time

# The C half of `signal`: the same functions and constants, without importing enum.
import _signal

TYPE_CHECKING = False  # typing itself costs ~10 ms to import inside the sandbox
if TYPE_CHECKING:
    import subprocess

__all__ = ["Pumped", "pump"]

_CHUNK = 65536
_GRACE_S = 2.0  # how long we keep draining pipes after exit or kill
_TEARDOWN_S = 10.0  # how long we wait for a killed pid namespace to empty
_CHILD_PID_KEY = b'"child-pid":'


class Pumped:
    """How the child ended and what it wrote (read-only by convention)."""

    __slots__ = ("status", "rusage", "stdout", "stderr", "stdout_truncated",
                 "stderr_truncated", "timed_out", "killed_for_output")

    def __init__(self, status: int, rusage: os.struct_rusage, stdout: bytes, stderr: bytes,
                 stdout_truncated: bool, stderr_truncated: bool, timed_out: bool,
                 killed_for_output: bool) -> None:
        self.status = status  # raw wait status
        self.rusage = rusage
        self.stdout, self.stderr = stdout, stderr
        self.stdout_truncated, self.stderr_truncated = stdout_truncated, stderr_truncated
        self.timed_out, self.killed_for_output = timed_out, killed_for_output


def _child_pid(info: bytes) -> int | None:
    """bwrap's `"child-pid": N` from its --info-fd JSON."""
    at = info.find(_CHILD_PID_KEY)
    if at < 0:
        return None
    digits = info[at + len(_CHILD_PID_KEY):].lstrip()
    end = 0
    while end < len(digits) and digits[end:end + 1].isdigit():
        end += 1
    if end == 0 or end == len(digits):  # none yet, or maybe not all of it yet
        return None
    return int(digits[:end])


def _killpg(pgid: int) -> None:
    try:
        os.killpg(pgid, _signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _inner_pidfd(info: bytes, parent: int) -> int | None:
    """A pidfd on the sandbox's pid 1, once bwrap has named it and it is still our grandchild."""
    child = _child_pid(info)
    if child is None:
        return None
    try:
        fd = os.pidfd_open(child)
    except OSError:
        return None
    try:  # the pid is ours only if its parent is the bwrap we started (pid reuse)
        with open(f"/proc/{child}/stat", "rb") as f:
            stat = f.read()
        if int(stat.rsplit(b")", 1)[1].split()[1]) == parent:
            return fd
    except (OSError, ValueError, IndexError):
        pass
    os.close(fd)
    return None


def pump(proc: subprocess.Popen[bytes], stdin: bytes, deadline: float, cap: int,
         info_fd: int | None = None) -> Pumped:
    """Run proc (a session leader) to completion or death; see the module docstring."""
    assert proc.stdin and proc.stdout and proc.stderr
    pid = proc.pid
    info = b""
    inner: int | None = None  # pidfd of the sandbox's pid 1, once bwrap has named it

    def stop(hard: bool = False) -> None:
        # Prefer killing the sandbox's pid 1 alone: bwrap then reaps it and exits by itself,
        # so no zombie is left for init to collect. The group goes too when that is all we have.
        if inner is not None:
            try:
                _signal.pidfd_send_signal(inner, _signal.SIGKILL)
            except OSError:
                pass
        if hard or inner is None:
            _killpg(pid)

    poller = select.poll()
    watched: dict[int, str] = {}  # fd -> what it is

    def watch(fd: int, what: str, events: int = select.POLLIN) -> None:
        poller.register(fd, events)
        watched[fd] = what

    def unwatch(fd: int) -> None:
        poller.unregister(fd)
        del watched[fd]

    pidfd = os.pidfd_open(pid)
    watch(pidfd, "exit")
    bufs = {"stdout": bytearray(), "stderr": bytearray()}
    seen = {"stdout": 0, "stderr": 0}
    for name, f in (("stdout", proc.stdout), ("stderr", proc.stderr)):
        watch(f.fileno(), name)
    if info_fd is not None:
        watch(info_fd, "info")
    pending = memoryview(stdin)
    if pending:
        os.set_blocking(proc.stdin.fileno(), False)
        watch(proc.stdin.fileno(), "stdin", select.POLLOUT)
    else:
        proc.stdin.close()
    timed_out = killed_for_output = exited = False
    limit = deadline
    try:
        while watched:
            remaining = limit - time.monotonic()
            if remaining <= 0:
                if exited or timed_out or killed_for_output:
                    break  # grace is over: something outside the group holds a pipe
                timed_out = True
                stop()
                limit = time.monotonic() + _GRACE_S
                continue
            # Readable, writable, hung up or in error alike: the read or write says which.
            for fd, _ in poller.poll(remaining * 1000):
                what = watched.get(fd)
                if what is None:
                    continue  # unwatched earlier in this round
                if what == "exit":
                    exited = True
                    unwatch(pidfd)
                    _killpg(pid)  # stragglers; the leader is a zombie until wait4, pgid still ours
                    limit = min(limit, time.monotonic() + _GRACE_S)
                elif what == "stdin":
                    try:
                        n = os.write(fd, pending[:_CHUNK])
                        pending = pending[n:]
                    except BlockingIOError:  # a spurious wake-up: the pipe is still full
                        continue
                    except OSError:  # BrokenPipeError: it stopped reading
                        pending = pending[:0]
                    if not pending:
                        unwatch(fd)
                        proc.stdin.close()
                elif what == "info":
                    chunk = os.read(fd, 4096)
                    if not chunk or len(info) > 65536:
                        unwatch(fd)
                    info += chunk
                    if inner is None:
                        inner = _inner_pidfd(info, pid)
                else:
                    chunk = os.read(fd, _CHUNK)
                    if not chunk:
                        unwatch(fd)
                        continue
                    seen[what] += len(chunk)
                    room = cap - len(bufs[what])
                    if room > 0:
                        bufs[what] += chunk[:room]
                    if seen[what] > 2 * cap and not killed_for_output:
                        killed_for_output = True
                        stop()
                        limit = time.monotonic() + _GRACE_S
    finally:
        if not exited:
            stop(hard=True)
        _, status, rusage = os.wait4(pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)  # keep Popen from reaping again
        if inner is not None:
            select.select([inner], [], [], _TEARDOWN_S)  # readable once pid 1 is gone
            os.close(inner)
        for fd in (pidfd, info_fd):
            if fd is not None:
                os.close(fd)
        for f in (proc.stdin, proc.stdout, proc.stderr):
            f.close()
    return Pumped(status, rusage, bytes(bufs["stdout"]), bytes(bufs["stderr"]),
                  seen["stdout"] > cap, seen["stderr"] > cap, timed_out, killed_for_output)
