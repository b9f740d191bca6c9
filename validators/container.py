"""The container executors (`podman`, `docker`): the run chain, its cleanup and the engine probe.

`run_sandboxed(..., executor="podman")` (tolk.validators.sandbox) runs

    podman <global flags> run --rm --name tolk-<random> -i --log-driver none
        --network none --read-only --cap-drop=ALL --security-opt no-new-privileges
        --user UID:UID --tmpfs /tmp --pids-limit NPROC [--memory M --memory-swap M]
        --ulimit cpu/fsize/nproc/nofile/core=SOFT:HARD -v WORKDIR:/work[:ro] -w /work
        --env K=V ... (--rootfs ROOTFS | IMAGE) /bin/sh -c 'ulimit -v KB; "$@"; exit $?' ...

where the container comes from `policy.toolchain` through
`tolk.toolchains.containers.container_for` (an offline-built root filesystem, or an image).
Global flags default to what Debian's podman 4.3 needs on hybrid-cgroup hosts
(`--runtime runc --cgroup-manager=cgroupfs --storage-driver=vfs`); set
`TOLK_PODMAN_FLAGS` (shell words; empty for none) to override them on other machines.

Key contracts:
- The same `SandboxPolicy` as bwrap: rlimits through `--ulimit` (RLIMIT_AS, which the
  engines do not know, through `ulimit -v` in the container's pid-1 shell, as KiB), the
  process count also as the container's pids cgroup, `memory_bytes` also as its memory
  cgroup. Only the work dir is shared with the host, at `/work`; `policy.ro_binds` is
  NOT bound (host toolchain paths would defeat the image), so argv must name programs
  inside the container, and `HOME` is `/work`.
- As with bwrap, a `/bin/sh` waits as the container's pid 1, so a program killed by
  signal N comes back as signal N (and so does one calling exit(128 + N)).
- Nothing is left behind: the client we start is killed at the wall clock or output cap,
  and then `<engine> rm -f` removes the container by its unique name (killing the client
  alone would leave the container running under conmon). `remove_container` never raises.
- An engine failure (exit 125, or an OCI runtime error before the command ran) raises
  `ToolchainUnavailable` with the engine's message: it is never the candidate's doing.
- `cpu_s` and `max_rss_kb` of a container run measure the engine client, not the program.
- The engines run rootful here (everything runs as root): the uid in the container is
  the host uid, and the caller chowns the work dir to `policy.uid` as for bwrap.
"""

from __future__ import annotations

import functools
import os
import shlex
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from tolk.errors import ToolchainUnavailable

if TYPE_CHECKING:
    from tolk.validators.sandbox import SandboxPolicy

__all__ = ["ENGINES", "CONTAINER_WORKDIR", "engine_argv", "container_chain", "remove_container",
           "engine_problem", "engine_failure"]

ENGINES = ("podman", "docker")
CONTAINER_WORKDIR = "/work"
_PODMAN_DEFAULT_FLAGS = ("--runtime", "runc", "--cgroup-manager=cgroupfs", "--storage-driver=vfs")
_SYS_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
# Signs that the engine or the OCI runtime failed before the command ran.
_ENGINE_ERRORS = ("OCI runtime", "OCI permission denied", "runc create failed")


def _which(engine: str) -> str:
    found = shutil.which(engine, path=_SYS_PATH + ":/usr/local/bin:" + os.environ.get("PATH", ""))
    if not found:
        raise ToolchainUnavailable(f"{engine} executor", f"{engine} is not installed "
                                   f"(Debian: apt-get install {engine}{' runc' if engine == 'podman' else '.io'})")
    return found


def engine_argv(engine: str) -> list[str]:
    """The engine binary plus its global flags (TOLK_PODMAN_FLAGS overrides podman's)."""
    if engine not in ENGINES:
        raise ToolchainUnavailable(f"executor {engine!r}", f"container engines: {', '.join(ENGINES)}")
    exe = _which(engine)
    if engine == "docker":
        return [exe]
    env = os.environ.get("TOLK_PODMAN_FLAGS")
    return [exe, *(shlex.split(env) if env is not None else _PODMAN_DEFAULT_FLAGS)]


def _ulimits(policy: SandboxPolicy) -> list[str]:
    cpu = max(1, int(policy.cpu_seconds))
    fsize = policy.file_size_bytes  # bytes: both engines hand the number to setrlimit as is
    # Soft CPU limit sends SIGXCPU; the hard one, a second later, SIGKILL (as under bwrap).
    pairs = [("cpu", cpu, cpu + 1), ("fsize", fsize, fsize), ("nproc", policy.nproc, policy.nproc),
             ("nofile", policy.nofile, policy.nofile), ("core", 0, 0)]
    return [arg for name, soft, hard in pairs for arg in ("--ulimit", f"{name}={soft}:{hard}")]


def container_chain(engine: str, engine_args: list[str], argv: list[str], workdir: Path,
                    policy: SandboxPolicy, writable: bool, env: dict[str, str],
                    name: str | None = None) -> tuple[list[str], str]:
    """(the full `<engine> run ...` argv, the container's unique name); pure but for `which`.

    `engine_args` is what selects the container: `ContainerRef.engine_args()`.
    """
    name = name or f"tolk-{uuid.uuid4().hex[:16]}"
    uid, mem = int(policy.uid), int(policy.memory_bytes)
    args = [*engine_argv(engine), "run", "--rm", "--name", name, "-i", "--log-driver", "none",
            "--network", "none", "--read-only", "--cap-drop=ALL",
            "--security-opt", "no-new-privileges", "--user", f"{uid}:{uid}",
            "--tmpfs", f"/tmp:rw,nosuid,nodev,size={policy.tmp_bytes},mode=1777",
            "--pids-limit", str(int(policy.nproc)),
            *_ulimits(policy)]
    if mem > 0:
        args += ["--memory", str(mem), "--memory-swap", str(mem)]
    for dev in policy.dev_binds:  # GPUs; the image must carry the matching user-space driver
        args += ["--device", dev]
    args += ["-v", f"{workdir}:{CONTAINER_WORKDIR}:{'rw' if writable else 'ro'}",
             "-w", CONTAINER_WORKDIR]
    for key, value in env.items():
        args += ["--env", f"{key}={value}"]
    flag = "-d" if policy.memory_rlimit == "data" else "-v"
    limit_as = f"ulimit {flag} {max(1, mem // 1024)} && " if mem > 0 else ""
    shell = f'{limit_as}"$@"; exit $?'
    return [*args, *engine_args, "/bin/sh", "-c", shell, "tolk-sandbox", *argv], name


def remove_container(engine: str, name: str) -> None:
    """Force-remove a container by name (killing what runs in it); never raises."""
    try:
        base = engine_argv(engine)
        cmd = [*base, "rm", "-f", "-t", "0", name] if engine == "podman" else [*base, "rm", "-f", name]
        subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=60, check=False)
    except (ToolchainUnavailable, OSError, subprocess.SubprocessError):
        pass


def engine_failure(returncode: int, stderr: str) -> bool:
    """Did the engine itself fail (rather than the command in the container)?"""
    if returncode == 125:
        return True
    return returncode in (126, 127) and any(sign in stderr for sign in _ENGINE_ERRORS)


@functools.cache
def engine_problem(engine: str) -> str | None:
    """None when the engine answers `info` here, else why not (cached per process)."""
    try:
        base = engine_argv(engine)
    except ToolchainUnavailable as exc:
        return exc.hint
    if engine == "podman" and "runc" in base and shutil.which("runc", path=_SYS_PATH) is None:
        return "runc is not installed (crun fails on hybrid cgroups): apt-get install runc"
    try:
        run = subprocess.run([*base, "info", "--format", "{{.ServerVersion}}" if engine == "docker"
                              else "{{.Host.OCIRuntime.Name}}"], stdin=subprocess.DEVNULL,
                             capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"{engine} info failed: {exc}"
    if run.returncode != 0:
        msg = " ".join((run.stderr or run.stdout).split())[:300]
        return f"{engine} info exited {run.returncode}: {msg}"
    if engine == "podman" and os.geteuid() != 0:
        return "podman runs rootless here; the executor is written for rootful podman"
    return None
