"""The hostile suites as a measurement: every toolchain's `hostile/` candidates, run and judged.

    with watch(tmp_dir) as w:
        results = run_hostile(toolchain, w)      # one HostileResult per case
    hostile_summary(results)                     # {cases, contained, not_contained, statuses}

Each case (toolchains/<lang>/hostile/, see `tolk.toolchains.base`) implements
`hostile(n: int) -> int` and answers n + 1 only if its attack worked, so `passed` would
itself prove a breach. A `Watch` holds the host-side targets of the attacks (a marker path
outside the work dir, a secret file, a loopback listener, an environment canary);
`breaches` inspects the machine after a run. A case is *contained* when its verdict is
not `passed` (a `compile-time bomb` must end in `compile_error`) and nothing was breached.
tests/test_hostile.py asserts the same checks case by case (also with static checks off);
`tolk selftest --hostile` counts them for the dataset card.

Key contracts: hostile code runs only inside bubblewrap (`run_hostile` refuses otherwise);
sandboxed processes run as `HOSTILE_UID`, a uid of their own, so a fork bomb cannot
starve other sandboxes (RLIMIT_NPROC counts per uid) and leftovers are attributable.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import socket
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tolk.errors import ConfigError
from tolk.ir.frontend import analyze_source
from tolk.ir.function import Function, Signature
from tolk.ir.vectors import TestSuite, Vector
from tolk.toolchains.base import Toolchain
from tolk.validators.validate import ValidationLimits, validate_candidate
from tolk.validators.verdict import Verdict, VerdictStatus

__all__ = ["HONEST", "HOSTILE_UID", "SUITE", "LIMITS", "NoStaticChecks", "Watch", "watch",
           "HostileResult", "hostile_dir", "hostile_cases", "hostile_signature", "limits_for",
           "render", "breaches", "procs_of", "procs_left", "run_case", "run_hostile",
           "hostile_summary"]

HONEST = '''
def hostile(n: int) -> int:
    """Return n + 1."""
    return n + 1
'''
HOSTILE_UID = 64991
SUITE = TestSuite(tuple(Vector((n,), n + 1) for n in (0, 1, 41, -7)))
LIMITS = ValidationLimits(
    # Compile bombs must end in seconds, not at the default minute, and in bounded memory.
    compile=dataclasses.replace(ValidationLimits().compile, cpu_seconds=4, wall_seconds=6.0,
                                memory_bytes=2 << 30, uid=HOSTILE_UID),
    run=dataclasses.replace(ValidationLimits().run, cpu_seconds=2, wall_seconds=3.0,
                            nproc=16, uid=HOSTILE_UID))
CANARY_ENV = "TOLK_HOSTILE_CANARY"


@dataclasses.dataclass(frozen=True)
class NoStaticChecks:
    """A toolchain with its static checks disabled: proves the sandbox holds alone."""
    inner: Toolchain

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def static_check(self, code: str, sig: Signature) -> None:
        return None


@dataclasses.dataclass(frozen=True)
class Watch:
    marker: Path            # must never exist (its directory is world-writable)
    secret: Path            # must keep exactly `token`, which must never be echoed
    token: str
    listener: socket.socket  # must never receive a connection


@dataclasses.dataclass(frozen=True, slots=True)
class HostileResult:
    case: str
    status: str
    reason: str             # the verdict's summary: status, counts and recorded reason
    breaches: tuple[str, ...]
    contained: bool


@contextmanager
def watch(root: Path) -> Iterator[Watch]:
    """Targets under `root` (a fresh directory), a loopback listener and the env canary."""
    outside = root / "outside"
    outside.mkdir(parents=True)
    os.chmod(outside, 0o777)  # a world-writable target stays out of reach all the same
    secret = root / "secret.txt"
    token = f"tolk-secret-{secrets.token_hex(8)}"
    secret.write_text(token + "\n")
    os.chmod(secret, 0o666)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.setblocking(False)
    before = os.environ.get(CANARY_ENV)
    os.environ[CANARY_ENV] = "leaked"
    try:
        yield Watch(outside / "pwned", secret, token, listener)
    finally:
        listener.close()
        if before is None:
            os.environ.pop(CANARY_ENV, None)
        else:
            os.environ[CANARY_ENV] = before


def hostile_dir(tc: Toolchain) -> Path:
    return Path(sys.modules[type(tc).__module__].__file__).parent / "hostile"  # type: ignore[arg-type]


def hostile_cases(tc: Toolchain) -> list[Path]:
    return sorted(hostile_dir(tc).glob(f"*{tc.source_suffix}"))


def hostile_signature() -> Signature:
    fn = analyze_source(HONEST)[0]
    assert isinstance(fn, Function)
    return fn.signature


def limits_for(tc: Toolchain, base: ValidationLimits = LIMITS) -> ValidationLimits:
    # A slow compiler (nvcc) needs seconds even for honest code; others well under one.
    slow = tc.slow_compiler
    return dataclasses.replace(base, compile=dataclasses.replace(
        base.compile, cpu_seconds=30 if slow else 4, wall_seconds=45.0 if slow else 6.0))


def render(path: Path, w: Watch) -> str:
    return (path.read_text().replace("@MARKER@", str(w.marker))
            .replace("@SECRET@", str(w.secret))
            .replace("@PORT@", str(w.listener.getsockname()[1])))


def procs_of(uid: int) -> list[int]:
    """Pids whose real uid is `uid`."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                status = Path(f"/proc/{entry}/status").read_text()
            except OSError:  # gone meanwhile
                continue
            uids = next(line for line in status.splitlines() if line.startswith("Uid:")).split()
            if int(uids[1]) == uid:
                pids.append(int(entry))
    return pids


def procs_left(uid: int, deadline_s: float = 30.0) -> list[int]:
    """Processes of uid still alive after the deadline (a SIGKILLed namespace, or a removed
    container under load, takes a moment; CI saw podman leftovers live past 10 s)."""
    end = time.monotonic() + deadline_s
    while (left := procs_of(uid)) and time.monotonic() < end:
        time.sleep(0.05)
    return left


def breaches(v: Verdict, w: Watch, uid: int = HOSTILE_UID) -> list[str]:
    """What the run did to the machine: empty when it stayed untouched."""
    found = []
    if procs_left(uid):
        found.append("process_left")
    if w.marker.exists():
        found.append("marker_written")
    if w.secret.read_text() != w.token + "\n":
        found.append("secret_changed")
    if w.token in v.compiler_output + v.runtime_output:
        found.append("secret_echoed")
    try:
        conn, _ = w.listener.accept()
        conn.close()
        found.append("connection_made")
    except BlockingIOError:
        pass
    return found


def run_case(path: Path, tc: Toolchain, w: Watch,
             limits: ValidationLimits | None = None) -> HostileResult:
    """One case through `tc` (as it is, or wrapped in NoStaticChecks), judged (module doc)."""
    code = render(path, w)
    inner = tc.inner if isinstance(tc, NoStaticChecks) else tc
    v = validate_candidate(code, hostile_signature(), SUITE, tc, limits or limits_for(inner))
    found = breaches(v, w, (limits or LIMITS).run.uid or HOSTILE_UID)
    ok = v.status is not VerdictStatus.PASSED
    if "compile-time bomb" in code.splitlines()[0]:
        ok = v.status is VerdictStatus.COMPILE_ERROR
    return HostileResult(path.stem, str(v.status), v.summary(), tuple(found), ok and not found)


def run_hostile(tc: Toolchain, w: Watch, limits: ValidationLimits | None = None) -> list[HostileResult]:
    """Every case of the toolchain, static checks on (as a corpus run validates)."""
    from tolk.validators.sandbox import available_executors
    if available_executors()["bwrap"] is not None:
        raise ConfigError("hostile code runs only inside bubblewrap, which is unavailable here")
    return [run_case(p, tc, w, limits) for p in hostile_cases(tc)]


def hostile_summary(results: list[HostileResult]) -> dict[str, object]:
    """Counts for the card: cases, contained, the cases not contained, verdicts."""
    return {"cases": len(results), "contained": sum(r.contained for r in results),
            "not_contained": [f"{r.case} ({r.reason}; {', '.join(r.breaches) or 'passed'})"
                              for r in results if not r.contained],
            "statuses": dict(sorted(Counter(r.status for r in results).items())),
            "results": [dataclasses.asdict(r) for r in results]}
