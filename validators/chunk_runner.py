"""Run a built chunk's candidates one after the other inside ONE sandbox (stdlib only).

`tolk.validators.batch` starts this file as the pid 1 of one bubblewrap sandbox per
chunk. A sandbox costs ~13 ms to create, and that was most of a batched Fortran
candidate's run. A process costs ~1 ms to start. Nothing of one candidate may reach the
next, so between two candidates this process:
- SIGKILLs every other process in the pid namespace and reaps them all. `kill(-1)` from
  the namespace's init spares only itself, so a daemon left behind is gone before the
  next candidate starts.
- Empties the writable places, `/tmp` and `/dev/shm`. The work dir and `/dev` are
  read-only, and no other path is writable. If `/dev`'s entries or those dirs' modes
  differ from what they were at the start, the run ends there.
- Removes System V IPC objects (`ipcrm --all`) when `/proc/sysvipc` lists any.

Candidates run as the same uid as this supervisor, and still cannot attack it:
- This process is not dumpable (`PR_SET_DUMPABLE` 0). They cannot ptrace it, read its
  memory or open its fds.
- They cannot signal it: init ignores every signal it has no handler for, and SIGINT is
  reset to the default here.
- Each candidate gets its own pipes and its own session. It gets the single path's
  rlimits, inherited from this process, which sets them on itself. It gets its own wall
  clock (`_pump.pump`, the single path's pump).

Protocol, one line per record, fields separated by spaces, text fields base64 (this file
imports no json, subprocess or shutil: start-up is paid once per chunk):
- stdin: `wall_s cap`, then `rlimits res:soft:hard,...`, then one `job` line per
  candidate: `job <argv, NUL-separated> <stdin>`. The host puts the sandbox's `sh`
  wrapper (`sandbox.RUN_WRAPPER`) in front of each argv, as a sandbox of its own would.
- stdout, one line per job, in order, written before the next job starts:
  `done k status cpu_s maxrss_kb wall_s flags <stdout> <stderr>`. `status` is the raw
  wait status. `flags` is four 0/1 digits: stdout truncated, stderr truncated, timed
  out, killed for output.
- An `error k <message>` line (the job could not start) or a `fatal <message>` line ends
  the run. The engine validates alone every job that has no `done` line.
"""

from __future__ import annotations

import binascii
import ctypes
import os
import resource
import sys
import time

import _signal  # `signal` without its enum import (see _pump.py)

try:  # inside the sandbox the pump is copied beside this file
    from tolk_pump import pump
except ImportError:  # imported from the package (tests, docs)
    from tolk.validators._pump import pump

_PR_SET_DUMPABLE = 4
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_WIPED = ("/tmp", "/dev/shm")
_SYSV = ("/proc/sysvipc/shm", "/proc/sysvipc/sem", "/proc/sysvipc/msg")


def b64(data: bytes) -> str:
    return binascii.b2a_base64(data, newline=False).decode("ascii") or "="


def unb64(text: str) -> bytes:
    return b"" if text == "=" else binascii.a2b_base64(text)


def _emit(*fields: object) -> None:
    sys.stdout.write(" ".join(map(str, fields)) + "\n")
    sys.stdout.flush()


def _fatal(why: str) -> None:
    _emit("fatal", b64(why.encode("utf-8", "replace")))
    sys.exit(0)


class _Child:
    """What `pump` needs of a Popen: pid, the three pipe ends, a returncode slot."""

    def __init__(self, argv: list[str]) -> None:
        in_r, in_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        actions = [(os.POSIX_SPAWN_DUP2, in_r, 0), (os.POSIX_SPAWN_DUP2, out_w, 1),
                   (os.POSIX_SPAWN_DUP2, err_w, 2)]
        try:  # our other fds are close-on-exec (PEP 446); dup2 makes 0-2 inheritable
            self.pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=actions,
                                       setsid=True)
        except BaseException:
            for fd in (in_w, out_r, err_r):
                os.close(fd)
            raise
        finally:
            for fd in (in_r, out_w, err_w):
                os.close(fd)
        self.stdin = open(in_w, "wb", buffering=0)
        self.stdout = open(out_r, "rb", buffering=0)
        self.stderr = open(err_r, "rb", buffering=0)
        self.returncode: int | None = None


def _run(k: int, argv: list[str], stdin: bytes, wall_s: float, cap: int) -> None:
    start = time.monotonic()
    p = pump(_Child(argv), stdin, start + wall_s, cap)  # type: ignore[arg-type]
    flags = "".join("1" if f else "0" for f in (p.stdout_truncated, p.stderr_truncated,
                                                 p.timed_out, p.killed_for_output))
    _emit("done", k, p.status, repr(p.rusage.ru_utime + p.rusage.ru_stime),
          int(p.rusage.ru_maxrss), repr(time.monotonic() - start), flags,
          b64(p.stdout), b64(p.stderr))


def _remove(path: str) -> None:
    """Remove path, whatever modes the candidate left on it (same uid: we may chmod)."""
    if os.path.isdir(path) and not os.path.islink(path):
        os.chmod(path, 0o700)
        _empty(os.open(path, _DIR_FLAGS))
        os.rmdir(path)
    else:
        os.unlink(path)


def _empty(fd: int) -> None:
    """Empty the directory open on fd (and close it), depth first without recursion and
    by name relative to a dir fd: a candidate may nest dirs deeper than Python's
    recursion limit or PATH_MAX. Every process of the candidates is gone by now, so
    nothing moves under us; `..` is the parent (no candidate can mount or link dirs)."""
    names: list[str] = []  # the dirs we went down into, below the top
    later: list[list[str]] = []  # per level above us: its subdirs still to empty
    try:
        pending = _unlink_files(fd)
        while True:
            if pending:
                down = pending.pop()
                os.chmod(down, 0o700, dir_fd=fd)
                child = os.open(down, _DIR_FLAGS, dir_fd=fd)
                os.close(fd)
                fd = child
                names.append(down)
                later.append(pending)
                pending = _unlink_files(fd)
            elif names:  # this one is empty: remove it from its parent, go on there
                parent = os.open("..", _DIR_FLAGS, dir_fd=fd)
                os.close(fd)
                fd = parent
                os.rmdir(names.pop(), dir_fd=fd)
                pending = later.pop()
            else:
                return
    finally:
        os.close(fd)


def _unlink_files(fd: int) -> list[str]:
    """Unlink every entry of the dir open on fd but its subdirs; their names."""
    subdirs = []
    with os.scandir(fd) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                subdirs.append(entry.name)
            else:
                os.unlink(entry.name, dir_fd=fd)
    return subdirs


def _mount_points() -> set[str]:
    """Every mount point and the dirs leading to it (the work dir is bound inside /tmp)."""
    keep: set[str] = set()
    with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as f:
        for line in f:
            point = line.split()[4].replace("\\040", " ")
            while point not in ("/", ""):
                keep.add(point)
                point = os.path.dirname(point)
    return keep


def _wipe(top: str, keep: set[str]) -> None:
    """Remove everything under top but the mount points and the dirs leading to them."""
    for name in os.listdir(top):
        path = os.path.join(top, name)
        if path in keep:
            if os.path.isdir(path) and not os.path.ismount(path):
                _wipe(path, keep)
        else:
            _remove(path)


def _snapshot() -> dict[str, tuple[int, ...]]:
    """What must look the same before every candidate: /dev's entries, the wiped dirs."""
    snap = {}
    for path in ["/dev", *_WIPED, *(os.path.join("/dev", n) for n in os.listdir("/dev"))]:
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            continue
        snap[path] = (st.st_ino, st.st_mode, st.st_rdev, st.st_uid)
    return snap


def _lines(path: str) -> int:
    try:
        with open(path, "rb") as f:
            return f.read().count(b"\n")
    except OSError:
        return 0


def _clean(before: dict[str, tuple[int, ...]], mounts: set[str]) -> None:
    """Nothing of the last candidate is left: processes, files, IPC objects."""
    try:
        os.kill(-1, _signal.SIGKILL)
    except ProcessLookupError:  # nothing else was left running
        pass
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            break
    for top in _WIPED:
        if os.path.isdir(top) and not os.path.islink(top):
            _wipe(top, mounts)
    if _snapshot() != before:  # a device node replaced, a dir's mode changed, ...
        raise OSError("/dev, /tmp or /dev/shm changed and cannot be restored")
    if any(_lines(p) > 1 for p in _SYSV):
        pid = os.posix_spawnp("ipcrm", ["ipcrm", "--all"], os.environ)
        os.waitpid(pid, 0)
        if any(_lines(p) > 1 for p in _SYSV):
            raise OSError("System V IPC objects survive ipcrm")


def main() -> None:
    _signal.signal(_signal.SIGINT, _signal.SIG_DFL)
    if os.getpid() != 1:
        _fatal("not the sandbox's pid 1: kill(-1) would reach beyond the sandbox")
    if ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        _fatal(f"prctl(PR_SET_DUMPABLE) failed: errno {ctypes.get_errno()}")
    try:
        head, limits, *job_lines = sys.stdin.read().splitlines()
        wall, cap = head.split()
        wall_s, cap_bytes = float(wall), int(cap)
        rlimits = [tuple(int(x) for x in r.split(":")) for r in limits.split()[1].split(",")]
        jobs = [(unb64(a).decode().split("\0"), unb64(s)) for _, a, s in
                (line.split(" ") for line in job_lines)]
    except (ValueError, IndexError, binascii.Error) as exc:
        _fatal(f"bad request: {exc}")
    before, mounts = _snapshot(), _mount_points()  # no candidate can mount (no capabilities)
    # The candidates' rlimits, set here once and inherited. RLIMIT_CPU counts each
    # process's own time, so every candidate gets its whole budget; this process needs a
    # few ms of it per candidate.
    for res, soft, hard in rlimits:
        resource.setrlimit(res, (soft, hard))
    for k, (argv, stdin) in enumerate(jobs):
        try:
            _run(k, argv, stdin, wall_s, cap_bytes)  # its line is out before the next starts
        except OSError as exc:  # could not start: the single path reports it its own way
            _emit("error", k, b64(str(exc).encode("utf-8", "replace")))
            return
        try:
            _clean(before, mounts)
        except OSError as exc:  # what we cannot clean could reach the next candidate
            _fatal(f"cleanup after job {k}: {exc}")


if __name__ == "__main__":
    main()
