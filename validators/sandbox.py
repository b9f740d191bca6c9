"""The one sandbox runner: the Python reference and every candidate run through here.

Executors:
    bwrap  bubblewrap, `--unshare-all` (no network, own pid namespace), read-only system
           binds (/usr and its /bin, /lib, /lib64, /sbin links, /etc/ld.so.cache), a
           private /tmp, the work dir the only writable path. With `policy.rootfs` (a
           toolchain root filesystem from the store: `SandboxNeeds.rootfs`) that directory,
           read-only, is `/` instead of the host's system dirs; the work dir must then lie
           under /tmp (or a dir the root filesystem has) to get a mount point.
           Running as root, the chain first drops to `policy.uid` with setpriv:
           RLIMIT_NPROC does not bind root, and a namespace mapped back to root reads
           whatever is bound (DESIGN.md, Sandbox).
    podman, docker
           a container per call (`tolk.validators.container`): no network, read-only root,
           all capabilities dropped, non-root user, pids/memory cgroups plus the same
           rlimits, the work dir bound at /work. The toolchain inside comes from
           `policy.toolchain` via `tolk.toolchains.containers.container_for` (build it with
           `tolk toolchains build`); host paths (`ro_binds`) are not visible.
    host   rlimits and the wall clock only. Not isolated, and it says so once, loudly.

The chain is `prlimit (rlimits) → [unshare -m relay] → [setpriv] → bwrap → argv`; every
link execs the next, so the pid we start leads the process group we kill.

Key contracts:
- `run_sandboxed` never raises for what the sandboxed program does; it returns a frozen
  `SandboxResult`. It raises `ToolchainUnavailable` when the executor cannot start at all.
- At the wall-clock limit, or once a stream passes twice its cap, the sandbox is SIGKILLed
  (under bwrap its pid 1, which empties the pid namespace, then the process group). When
  `run_sandboxed` returns, no process of the run is left (under `host`, one that called
  setsid() can escape).
- As root with bwrap, the work dir and its contents become owned by `policy.uid` (chown
  -R): pass a fresh per-run directory, never a shared one. A read-only run in a dir that
  uid already owns skips the walk (a batch's runs under one uid after its compile).
- A bind the dropped uid cannot reach (a pyenv Python under a 0700 /root) is relayed: a
  private mount namespace bind-mounts it under /run/tolk-relay before the uid drop, so
  no host permission changes. Host mounts are untouched.
- Every sandbox with the same uid shares that uid's RLIMIT_NPROC budget (the kernel
  counts per user): by default (`policy.uid=None`) each run leases a uid of its own.
- Under bwrap a program killed by signal N is reported as signal N, but so is a program
  that calls exit(128 + N): the sh that waits as the sandbox's pid 1 folds both into one
  exit status (and says e.g. "Segmentation fault" on stderr).
- Running as a non-root user, RLIMIT_NPROC counts all of that user's processes, not only
  the sandbox's: raise `policy.nproc` accordingly.
- Under podman/docker the work dir is `/work` inside the container and argv must name
  programs in the container image; the container is removed before `run_sandboxed`
  returns, also after a wall-clock or output kill (see `tolk.validators.container`).
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import resource
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tolk.errors import ConfigError, ToolchainUnavailable
from tolk.validators._pump import pump
from tolk.validators.uids import lease_uid
from tolk.validators.container import (
    CONTAINER_WORKDIR, ENGINES, container_chain, engine_failure, engine_problem, remove_container,
)

__all__ = ["SandboxPolicy", "SandboxResult", "run_sandboxed", "available_executors",
           "exit_of", "resolve_executor", "rlimits_for", "RUN_WRAPPER"]

log = logging.getLogger(__name__)

_RELAY_ROOT = Path("/run/tolk-relay")
_MAX_RELAYS = 8
_SANDBOX_PATH = "/usr/local/bin:/usr/bin:/bin"
# What a bwrap sandbox runs argv under: it reports a signal death as exit 128+N (read back
# by `exit_of`) and prints the shell's "Segmentation fault" line, as every run should.
RUN_WRAPPER = ("/bin/sh", "-c", '"$@"; exit $?', "tolk-sandbox")


def _inner_env(policy: "SandboxPolicy", home: str,
               env: dict[str, str] | None) -> dict[str, str]:
    """The sandbox's whole environment: PATH, HOME, LANG, the toolchain's, then the call's."""
    return {"PATH": ":".join((*policy.path_dirs, _SANDBOX_PATH)), "HOME": home,
            "LANG": "C.UTF-8", **dict(policy.env), **(env or {})}


@dataclass(frozen=True, slots=True)
class SandboxPolicy:
    cpu_seconds: int = 10
    wall_seconds: float = 10.0
    memory_bytes: int = 1 << 30  # RLIMIT_AS; 0 = unlimited (some runtimes reserve huge VM)
    file_size_bytes: int = 16 << 20
    nproc: int = 64
    nofile: int = 64
    output_limit_bytes: int = 1 << 20  # per stream
    ro_binds: tuple[str, ...] = ()  # extra host paths, bound read-only at the same path
    # The uid (and gid) a root caller drops to; None leases one for this run alone
    # (`tolk.validators.uids`), so concurrent sandboxes never share a process budget.
    uid: int | None = None
    tmp_bytes: int = 64 << 20  # size of the private /tmp (tmpfs)
    # Which rlimit `memory_bytes` sets: "as" (address space), or "data" for runtimes that
    # reserve huge PROT_NONE ranges at start-up (the CUDA driver) but must still be held
    # to `memory_bytes` of writable memory.
    memory_rlimit: str = "as"
    dev_binds: tuple[str, ...] = ()  # device nodes passed through (GPUs: /dev/nvidia*)
    # Which toolchain runs (a Lang value): container executors pick its image by this.
    toolchain: str = ""
    # Dirs searched before the fixed PATH: a toolchain installed outside it (CUDA's
    # /usr/local/cuda/bin on GPU machines and in its image) stays reachable by name.
    path_dirs: tuple[str, ...] = ()
    # Environment inside the sandbox, on top of PATH, HOME and LANG (a toolchain's
    # `sandbox_env`); the `env` argument of run_sandboxed wins over it.
    env: tuple[tuple[str, str], ...] = ()
    # A root filesystem (absolute host dir) that bwrap binds read-only as `/` in place of
    # the host's /usr, /bin, /lib...: a toolchain that lives only in the store (Julia's
    # Debian 11). Container executors use `toolchain`'s store entry instead; host cannot.
    rootfs: str = ""


@dataclass(frozen=True, slots=True)
class SandboxResult:
    returncode: int | None  # None when we killed it (wall clock, output); <0: signal
    signal_name: str  # "SIGSEGV", ...; "" when none
    timed_out: bool
    stdout: str
    stderr: str
    stdout_truncated: bool
    stderr_truncated: bool
    wall_s: float
    cpu_s: float
    max_rss_kb: int
    executor: str
    killed_for_output: bool = False

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def available_executors() -> dict[str, str | None]:
    """Executor name → None when usable here, else why not (for `tolk doctor`)."""
    return {"bwrap": _bwrap_problem(), "host": None,
            **{engine: engine_problem(engine) for engine in ENGINES}}


def run_sandboxed(
    argv: list[str], *, workdir: Path, stdin: str = "", policy: SandboxPolicy,
    writable_workdir: bool = True, env: dict[str, str] | None = None, executor: str = "auto",
    as_pid_1: bool = False,
) -> SandboxResult:
    """Run argv in workdir under policy; see the module docstring for the guarantees.
    With `as_pid_1` (bwrap only) argv itself is the sandbox's pid 1, which must reap
    what it starts (`chunk_runner.py`)."""
    if policy.uid is None:
        with lease_uid() as uid:
            return run_sandboxed(argv, workdir=workdir, stdin=stdin,
                                 policy=dataclasses.replace(policy, uid=uid),
                                 writable_workdir=writable_workdir, env=env, executor=executor,
                                 as_pid_1=as_pid_1)
    executor = resolve_executor(executor)
    workdir = Path(workdir).resolve()
    if not workdir.is_dir():
        raise ConfigError(f"sandbox work dir {workdir} does not exist")
    if executor in ENGINES:
        return _run_container(argv, workdir, stdin, policy, writable_workdir, env, executor)
    inner_env = _inner_env(policy, str(workdir), env)
    if executor == "bwrap":
        problem = _bwrap_problem()
        if problem is not None:
            raise ToolchainUnavailable("bwrap sandbox", problem)
        info_r, info_w = os.pipe()  # bwrap names its pid 1 here, so we can kill and await it
        try:
            chain = _bwrap_chain(argv, workdir, policy, writable_workdir, inner_env, info_w,
                                 as_pid_1)
        except BaseException:
            os.close(info_r)
            os.close(info_w)
            raise
        popen_env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}
    elif executor == "host":
        if policy.rootfs:
            raise ToolchainUnavailable("host executor", f"this toolchain lives in the root "
                                       f"filesystem {policy.rootfs}: use bwrap or podman")
        info_r = info_w = -1
        _warn_host_once()
        chain, popen_env = list(argv), inner_env
    else:
        raise ToolchainUnavailable(f"executor {executor!r}",
                                   "use 'auto', 'bwrap', 'podman', 'docker' or 'host'")
    prlimit = shutil.which("prlimit")
    preexec = None
    if prlimit:
        # A wrapper rather than preexec_fn: preexec_fn can deadlock in threaded callers.
        chain = [prlimit, *_prlimit_flags(policy), "--", *chain]
    else:
        preexec = functools.partial(_set_rlimits, policy)
    start = time.monotonic()
    try:
        proc = subprocess.Popen(
            chain, cwd=workdir, env=popen_env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, start_new_session=True, preexec_fn=preexec, close_fds=True,
            pass_fds=(info_w,) if info_w >= 0 else ())
    except OSError as exc:
        if info_w >= 0:
            os.close(info_r)
        raise ToolchainUnavailable(chain[0], f"cannot start: {exc}") from exc
    finally:
        if info_w >= 0:
            os.close(info_w)
    p = pump(proc, stdin.encode("utf-8"), start + policy.wall_seconds, policy.output_limit_bytes,
             info_fd=info_r if info_r >= 0 else None)
    killed = p.timed_out or p.killed_for_output
    rc, sig = exit_of(p.status, executor)
    return SandboxResult(
        returncode=None if killed else rc, signal_name=sig, timed_out=p.timed_out,
        stdout=p.stdout.decode("utf-8", "replace"), stderr=p.stderr.decode("utf-8", "replace"),
        stdout_truncated=p.stdout_truncated, stderr_truncated=p.stderr_truncated,
        wall_s=time.monotonic() - start, cpu_s=p.rusage.ru_utime + p.rusage.ru_stime,
        max_rss_kb=int(p.rusage.ru_maxrss), executor=executor,
        killed_for_output=p.killed_for_output)


def _run_container(argv: list[str], workdir: Path, stdin: str, policy: SandboxPolicy,
                   writable: bool, env: dict[str, str] | None, engine: str) -> SandboxResult:
    """One container per call; removed (by name) before we return, whatever happened."""
    from tolk.toolchains.containers import container_for  # the store sits above validators

    problem = engine_problem(engine)
    if problem is not None:
        raise ToolchainUnavailable(f"{engine} executor", problem)
    ref = container_for(policy.toolchain)
    if engine == "docker" and ref.kind != "image":
        raise ToolchainUnavailable("docker executor", f"{ref.lang} is a root filesystem "
                                   f"({ref.location}); docker runs images only: use podman, or "
                                   f"`tolk toolchains build --from-containerfile --langs {ref.lang}`")
    if _is_root():  # the container's user is this host uid: it must own what it writes
        if len(workdir.parts) < 3:
            raise ConfigError(f"refusing to chown {workdir}: use a per-run work dir")
        _chown_tree(workdir, policy.uid)
    inner_env = _inner_env(policy, CONTAINER_WORKDIR, env)
    chain, name = container_chain(engine, ref.engine_args(), argv, workdir, policy, writable,
                                  inner_env)
    popen_env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8",
                 **{k: os.environ[k] for k in ("HOME", "XDG_RUNTIME_DIR", "TMPDIR")
                    if k in os.environ}}  # the engine's own config, not the container's
    start = time.monotonic()
    try:
        proc = subprocess.Popen(
            chain, cwd=workdir, env=popen_env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, start_new_session=True, close_fds=True)
    except OSError as exc:
        raise ToolchainUnavailable(chain[0], f"cannot start: {exc}") from exc
    clean = False
    try:
        p = pump(proc, stdin.encode("utf-8"), start + policy.wall_seconds,
                 policy.output_limit_bytes)
        # Killing the client leaves the container running under conmon; an exit of 125+
        # may mean it never started (or was not removed) either.
        clean = (not (p.timed_out or p.killed_for_output) and os.WIFEXITED(p.status)
                 and os.WEXITSTATUS(p.status) < 125)
    finally:
        wall = time.monotonic() - start
        if not clean:
            remove_container(engine, name)
    killed = p.timed_out or p.killed_for_output
    stderr = p.stderr.decode("utf-8", "replace")
    rc, sig = (os.WEXITSTATUS(p.status), "") if os.WIFEXITED(p.status) else \
        (-os.WTERMSIG(p.status), _signame(os.WTERMSIG(p.status)))
    if not killed and engine_failure(rc, stderr):
        raise ToolchainUnavailable(f"{engine} executor", f"the engine failed (exit {rc}): "
                                   f"{stderr.strip()[-600:]}")
    if 128 < rc <= 128 + 64:
        rc, sig = -(rc - 128), _signame(rc - 128)  # the pid-1 sh reports a signal as 128+N
    return SandboxResult(
        returncode=None if killed else rc, signal_name=sig, timed_out=p.timed_out,
        stdout=p.stdout.decode("utf-8", "replace"), stderr=stderr,
        stdout_truncated=p.stdout_truncated, stderr_truncated=p.stderr_truncated,
        wall_s=wall, cpu_s=p.rusage.ru_utime + p.rusage.ru_stime,
        max_rss_kb=int(p.rusage.ru_maxrss), executor=engine,
        killed_for_output=p.killed_for_output)


def _signame(n: int) -> str:
    try:
        return signal.Signals(n).name
    except ValueError:
        return f"SIG{n}"


def _limits(policy: SandboxPolicy) -> list[tuple[int, str, int, int]]:
    cpu = max(1, int(policy.cpu_seconds))
    rows = [
        # Soft CPU limit sends SIGXCPU; the hard one, a second later, SIGKILL.
        (resource.RLIMIT_CPU, "cpu", cpu, cpu + 1),
        (resource.RLIMIT_FSIZE, "fsize", policy.file_size_bytes, policy.file_size_bytes),
        (resource.RLIMIT_NPROC, "nproc", policy.nproc, policy.nproc),
        (resource.RLIMIT_NOFILE, "nofile", policy.nofile, policy.nofile),
        (resource.RLIMIT_CORE, "core", 0, 0),
    ]
    if policy.memory_bytes > 0:
        res, name = ((resource.RLIMIT_DATA, "data") if policy.memory_rlimit == "data"
                     else (resource.RLIMIT_AS, "as"))
        rows.append((res, name, policy.memory_bytes, policy.memory_bytes))
    return rows


def exit_of(status: int, executor: str) -> tuple[int, str]:
    """(returncode, signal name) of a raw wait status: a signal is -N. Under bwrap the
    command's sh reports a signal as exit 128+N, read back the same way."""
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status), _signame(os.WTERMSIG(status))
    rc = os.WEXITSTATUS(status)
    if executor == "bwrap" and 128 < rc <= 128 + 64:
        return -(rc - 128), _signame(rc - 128)
    return rc, ""


def rlimits_for(policy: SandboxPolicy) -> list[tuple[int, int, int]]:
    """(resource, soft, hard) for each rlimit policy sets on what it runs."""
    return [(res, soft, hard) for res, _, soft, hard in _limits(policy)]


def resolve_executor(executor: str) -> str:
    """The executor `run_sandboxed` uses for `executor` ("auto": bwrap where it works)."""
    if executor == "auto":
        return "bwrap" if _bwrap_problem() is None else "host"
    return executor


def _prlimit_flags(policy: SandboxPolicy) -> list[str]:
    return [f"--{name}={soft}:{hard}" for _, name, soft, hard in _limits(policy)]


def _set_rlimits(policy: SandboxPolicy) -> None:
    for res, _, soft, hard in _limits(policy):
        resource.setrlimit(res, (soft, hard))


def _is_root() -> bool:
    return os.geteuid() == 0


def _reachable(path: Path, uid: int) -> bool:
    """Can uid (no groups) search every ancestor of path? bwrap resolves binds as that uid."""
    for d in reversed(path.parents):
        st = os.stat(d)
        if not (st.st_mode & stat.S_IXOTH or (st.st_uid == uid and st.st_mode & stat.S_IXUSR)):
            return False
    return True


def _chown_tree(root: Path, uid: int) -> None:
    os.chown(root, uid, uid)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in (*dirnames, *filenames):
            os.chown(os.path.join(dirpath, name), uid, uid, follow_symlinks=False)


def _system_binds() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32"):
        if os.path.islink(top):  # merged-/usr systems: recreate the link, bind nothing
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for etc in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives"):
        if os.path.exists(etc):
            args += ["--ro-bind", etc, etc]
    return args


def _bwrap_chain(argv: list[str], workdir: Path, policy: SandboxPolicy, writable: bool,
                 env: dict[str, str], info_fd: int | None = None,
                 as_pid_1: bool = False) -> list[str]:
    root = _is_root()
    relays: list[tuple[str, str]] = []  # (host source, relay mount point)

    def source(path: Path) -> str:
        if not root or _reachable(path, policy.uid):
            return str(path)
        if len(relays) >= _MAX_RELAYS:
            raise ToolchainUnavailable("bwrap sandbox", f"more than {_MAX_RELAYS} relayed binds")
        point = _RELAY_ROOT / str(len(relays))
        point.mkdir(parents=True, exist_ok=True)
        _RELAY_ROOT.chmod(0o755)  # whatever the umask: the dropped uid must traverse it
        relays.append((str(path), str(point)))
        return str(point)

    if root and (writable or workdir.stat().st_uid != policy.uid):
        if len(workdir.parts) < 3:  # "/", "/tmp": never chown a shared directory
            raise ConfigError(f"refusing to chown {workdir}: use a per-run work dir")
        _chown_tree(workdir, policy.uid)
    # --as-pid-1 with a waiting sh as pid 1 (instead of bwrap's own reaper, which exits
    # without reaping) lets CPU time and max RSS reach our wait4; the command runs as an
    # ordinary pid 2, so its signals behave normally.
    bwrap = _which("bwrap")
    system = _system_binds() if not policy.rootfs else \
        ["--ro-bind", source(_rootfs_dir(policy.rootfs, workdir)), "/"]
    args = [bwrap, "--unshare-all", "--unshare-user", "--as-pid-1", "--die-with-parent",
            "--new-session", *system]
    if _bwrap_version(bwrap) >= (0, 8):
        args.insert(3, "--disable-userns")  # no nested user namespaces inside
    for extra in policy.ro_binds:
        host = Path(extra).resolve()
        if host.exists():
            args += ["--ro-bind", source(host), str(Path(extra).absolute())]
    # /tmp is RAM outside RLIMIT_AS: without a size cap a candidate fills it with host memory.
    tmp_size = ["--size", str(policy.tmp_bytes)] if _bwrap_version(bwrap) >= (0, 8) else []
    # Device nodes after --dev: a bind before it would be hidden by the fresh /dev.
    devs = [a for d in policy.dev_binds if Path(d).exists() for a in ("--dev-bind", d, d)]
    # bwrap's /dev is a tmpfs with no size cap, writable by the sandbox: a capped /dev/shm
    # on it, then /dev itself read-only (the device nodes are mounts of their own and stay
    # usable).
    args += ["--proc", "/proc", "--dev", "/dev", *devs, *tmp_size, "--tmpfs", "/dev/shm",
             "--remount-ro", "/dev", *tmp_size, "--tmpfs", "/tmp",
             "--bind" if writable else "--ro-bind", source(workdir), str(workdir),
             "--remount-ro", "/",  # bwrap's own root tmpfs; /tmp and the work dir stay as set
             "--chdir", str(workdir), "--clearenv"]
    if info_fd is not None:
        args += ["--info-fd", str(info_fd)]
    for key, value in env.items():
        args += ["--setenv", key, value]
    wrapper = ("/bin/sh", "-c", 'exec "$@"', "tolk-sandbox") if as_pid_1 else RUN_WRAPPER
    chain = [*args, "--", *wrapper, *argv]
    if root:
        chain = [_which("setpriv"), f"--reuid={policy.uid}", f"--regid={policy.uid}",
                 "--clear-groups", *chain]
    if relays:
        mounts = " && ".join(f"mount --bind {shlex.quote(s)} {shlex.quote(p)}" for s, p in relays)
        chain = [_which("unshare"), "--mount", "--propagation", "private", "--",
                 "/bin/sh", "-c", f'{mounts} && exec "$@"', "tolk-relay", *chain]
    return chain


def _rootfs_dir(rootfs: str, workdir: Path) -> Path:
    """The root filesystem to bind as `/`, once the work dir is known to get a mount point
    there (the root is read-only: bwrap cannot create one outside /tmp, a tmpfs)."""
    root = Path(rootfs).resolve()
    if not (root / "bin").exists():
        raise ToolchainUnavailable("bwrap sandbox", f"root filesystem {root} is missing")
    under_tmp = workdir.parts[:2] == ("/", "tmp") and len(workdir.parts) > 2
    if not under_tmp and not (root / workdir.parent.relative_to("/")).is_dir():
        raise ConfigError(f"work dir {workdir} has no mount point in the root filesystem "
                          f"{root}: put it under /tmp")
    return root


def _which(tool: str) -> str:
    found = shutil.which(tool, path="/usr/sbin:/usr/bin:/sbin:/bin:" + os.environ.get("PATH", ""))
    if not found:
        raise ToolchainUnavailable(tool, f"install it (Debian: apt-get install {_PKG.get(tool, tool)})")
    return found


_PKG = {"bwrap": "bubblewrap", "setpriv": "util-linux", "unshare": "util-linux"}


@functools.cache
def _bwrap_version(bwrap: str) -> tuple[int, ...]:
    try:
        out = subprocess.run([bwrap, "--version"], capture_output=True, text=True, timeout=10,
                             check=False).stdout
        return tuple(int(x) for x in out.split()[-1].split(".")[:2])
    except (OSError, ValueError, IndexError, subprocess.SubprocessError):
        return (0,)


@functools.cache
def _bwrap_problem() -> str | None:
    """None when a trivial bwrap sandbox runs here, else the reason (cached per process)."""
    if not sys.platform.startswith("linux"):
        return "bwrap needs Linux"
    probe = Path(tempfile.mkdtemp(prefix="tolk-probe-"))
    try:
        chain = _bwrap_chain(["/bin/true"], probe, SandboxPolicy(uid=65534), True, {"PATH": _SANDBOX_PATH})
        run = subprocess.run(chain, capture_output=True, timeout=30, check=False,
                             env={"PATH": "/usr/bin:/bin"})
    except ToolchainUnavailable as exc:
        return exc.hint
    except (OSError, subprocess.SubprocessError) as exc:
        return f"bwrap probe failed: {exc}"
    finally:
        shutil.rmtree(probe, ignore_errors=True)
    if run.returncode != 0:
        return f"bwrap probe exited {run.returncode}: {run.stderr.decode(errors='replace')[:300]}"
    return None


@functools.cache
def _warn_host_once() -> None:
    log.warning("sandbox executor 'host' is NOT isolated: rlimits and a wall clock only; "
                "untrusted code can read and write what this user can, and use the network")
