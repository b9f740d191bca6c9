"""The CUDA hostile suite (toolchains/cuda/hostile/) under nvcc and bubblewrap.

Each case answers n + 1 only if its attack worked, so `passed` would prove a breach. Each
is validated with the static checks and without them (the sandbox alone), then the machine
is inspected: no process of the sandbox uid left, the marker absent, the secret intact and
never echoed, no connection to the loopback listener. Compile-time bombs must end in
`compile_error` within the compile limits. Without a GPU nothing runs (`unverified`), so
what is proven here is the static checks and the compile sandbox; tests/test_hostile.py
(the cross-language suite) covers runs once the toolchain is registered and a GPU exists.
nvcc needs ~3-5 s of CPU for a small file, hence compile limits above the generic suite's.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import socket
import time
from pathlib import Path

import pytest

from tolk.ir.frontend import analyze_source
from tolk.ir.function import Function, Param, Signature
from tolk.ir.types import INT
from tolk.ir.vectors import TestSuite, Vector
from tolk.toolchains.cuda import CUDA
from tolk.validators.sandbox import available_executors
from tolk.validators.validate import ValidationLimits, validate_candidate
from tolk.validators.verdict import Verdict, VerdictStatus

HOSTILE = Path(__file__).resolve().parents[1] / "toolchains" / "cuda" / "hostile"
SIG = Signature("hostile", (Param("n", INT),), INT)
HOSTILE_UID = 64992  # its own uid: RLIMIT_NPROC is counted per uid
SUITE = TestSuite(tuple(Vector((n,), n + 1) for n in (0, 1, 41, -7)))
LIMITS = ValidationLimits(
    compile=dataclasses.replace(ValidationLimits().compile, cpu_seconds=30, wall_seconds=45.0,
                                memory_bytes=4 << 30, file_size_bytes=64 << 20,
                                uid=HOSTILE_UID),
    run=dataclasses.replace(ValidationLimits().run, cpu_seconds=2, wall_seconds=3.0,
                            nproc=16, uid=HOSTILE_UID),
    executor="bwrap")
COMPILE_BOMBS = {"template_bomb", "giant_array"}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(available_executors()["bwrap"] is not None,
                       reason="hostile code runs only inside bubblewrap"),
    pytest.mark.skipif(CUDA.availability() is not None, reason="nvcc unusable here"),
]


@dataclasses.dataclass(frozen=True)
class _NoStaticChecks:
    inner: object

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def static_check(self, code: str, sig: Signature) -> None:
        return None


def _uid_procs(uid: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    pids.append(int(entry))
            except FileNotFoundError:
                pass
    return pids


def _no_procs_left(uid: int, deadline_s: float = 10.0) -> bool:
    end = time.monotonic() + deadline_s
    while _uid_procs(uid) and time.monotonic() < end:
        time.sleep(0.05)
    return not _uid_procs(uid)


@pytest.fixture
def watched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    outside = tmp_path / "outside"
    outside.mkdir()
    os.chmod(outside, 0o777)
    secret = tmp_path / "secret.txt"
    token = f"tolk-secret-{secrets.token_hex(8)}"
    secret.write_text(token + "\n")
    os.chmod(secret, 0o666)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.setblocking(False)
    monkeypatch.setenv("TOLK_HOSTILE_CANARY", "leaked")
    yield {"marker": outside / "pwned", "secret": secret, "token": token, "listener": listener}
    listener.close()


def _render(path: Path, w: dict) -> str:
    return (path.read_text().replace("@MARKER@", str(w["marker"]))
            .replace("@SECRET@", str(w["secret"]))
            .replace("@PORT@", str(w["listener"].getsockname()[1])))


def _assert_untouched(v: Verdict, w: dict) -> None:
    assert _no_procs_left(HOSTILE_UID), "a sandboxed process outlived its run"
    assert not w["marker"].exists()
    assert w["secret"].read_text() == w["token"] + "\n"
    assert w["token"] not in v.compiler_output + v.runtime_output
    with pytest.raises(BlockingIOError):
        w["listener"].accept()


@pytest.mark.parametrize("path", sorted(HOSTILE.glob("*.cu")), ids=lambda p: p.stem)
def test_hostile_case_is_contained(path: Path, watched: dict) -> None:
    code = _render(path, watched)
    v = validate_candidate(code, SIG, SUITE, CUDA, LIMITS)
    assert v.status is not VerdictStatus.PASSED, v
    _assert_untouched(v, watched)
    bare = validate_candidate(code, SIG, SUITE, _NoStaticChecks(CUDA), LIMITS)
    if CUDA.runtime_problem() is not None:
        # Without a GPU nothing runs: the sandboxed compile is all there is to attack.
        assert bare.status in (VerdictStatus.UNVERIFIED, VerdictStatus.COMPILE_ERROR), bare
    elif "static-only" not in code.splitlines()[0]:
        assert bare.status is not VerdictStatus.PASSED, bare
    if path.stem in COMPILE_BOMBS:
        assert bare.status is VerdictStatus.COMPILE_ERROR, bare
        assert v.status is VerdictStatus.COMPILE_ERROR, v
    _assert_untouched(bare, watched)


def test_honest_control_still_validates_after_the_suite() -> None:
    fn = analyze_source('def hostile(n: int) -> int:\n    return n + 1\n')[0]
    assert isinstance(fn, Function)
    v = validate_candidate(CUDA.lower(fn), SIG, SUITE, CUDA, LIMITS)
    expected = VerdictStatus.PASSED if CUDA.runtime_problem() is None else VerdictStatus.UNVERIFIED
    assert v.status is expected, v
