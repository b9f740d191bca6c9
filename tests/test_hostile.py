"""The hostile suite: every registered toolchain's `hostile/` candidates, with and without static checks.

Each case (see `tolk.toolchains.base`) answers n + 1 only if its attack worked, so
`passed` would itself prove a breach. Each runs twice: through the toolchain as it is,
and with its static checks switched off, to show the sandbox holds on its own. After
every run the machine is inspected: no process of the sandbox uid left, the marker file
absent, the secret unchanged and never echoed in compiler or runtime output, no
connection reached the loopback listener. A case whose first line says `static-only`
is a policy matter the sandbox cannot see (the hostile/README.md table says why): without
static checks it is held only to the machine checks. An honest control candidate must
still pass afterwards. A case whose first line says `compile-time bomb` is valid code that
must end in `compile_error` under the compile limits. Hostile code never runs without
bubblewrap.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import socket
import sys
from pathlib import Path

import pytest

from tests._procs import procs_left

from tolk.ir.frontend import analyze_source
from tolk.ir.function import Function, Signature
from tolk.ir.vectors import TestSuite, Vector
from tolk.toolchains.base import Toolchain
from tolk.toolchains.registry import available_langs, get_toolchain
from tolk.validators.sandbox import available_executors
from tolk.validators.validate import ValidationLimits, validate_candidate
from tolk.errors import UnsupportedProgram
from tolk.validators.verdict import Verdict, VerdictStatus

HONEST = '''
def hostile(n: int) -> int:
    """Return n + 1."""
    return n + 1
'''
# A uid of its own: other tests' sandboxes (uid 65534) may run at the same time, and the
# kernel counts RLIMIT_NPROC per uid, so a fork bomb here must not starve them.
HOSTILE_UID = 64991
_SUITE = TestSuite(tuple(Vector((n,), n + 1) for n in (0, 1, 41, -7)))
_LIMITS = ValidationLimits(
    # Compile bombs must end in seconds, not at the default minute, and in bounded memory.
    compile=dataclasses.replace(ValidationLimits().compile, cpu_seconds=4, wall_seconds=6.0,
                                memory_bytes=2 << 30, uid=HOSTILE_UID),
    run=dataclasses.replace(ValidationLimits().run, cpu_seconds=2, wall_seconds=3.0,
                            nproc=16, uid=HOSTILE_UID))

pytestmark = pytest.mark.skipif(available_executors()["bwrap"] is not None,
                                reason="hostile code runs only inside bubblewrap")


@dataclasses.dataclass(frozen=True)
class _NoStaticChecks:
    """A toolchain with its static checks disabled: proves the sandbox holds alone."""
    inner: Toolchain

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def static_check(self, code: str, sig: Signature) -> None:
        return None


def _hostile_dir(tc: Toolchain) -> Path:
    return Path(sys.modules[type(tc).__module__].__file__).parent / "hostile"


def _cases() -> list[pytest.param]:
    out = []
    for lang in available_langs():
        tc = get_toolchain(lang)
        for path in sorted(_hostile_dir(tc).glob(f"*{tc.source_suffix}")):
            out.append(pytest.param(lang, path, id=f"{lang}:{path.stem}"))
    return out


def _sig() -> Signature:
    fn = analyze_source(HONEST)[0]
    assert isinstance(fn, Function)
    return fn.signature


@pytest.fixture
def watched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Host-side targets of the attacks: marker dir, secret file, loopback listener, env canary."""
    outside = tmp_path / "outside"
    outside.mkdir()
    os.chmod(outside, 0o777)  # a world-writable target stays out of reach all the same
    marker = outside / "pwned"
    secret = tmp_path / "secret.txt"
    token = f"tolk-secret-{secrets.token_hex(8)}"
    secret.write_text(token + "\n")
    os.chmod(secret, 0o666)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.setblocking(False)
    monkeypatch.setenv("TOLK_HOSTILE_CANARY", "leaked")
    yield {"marker": marker, "secret": secret, "token": token, "listener": listener}
    listener.close()


def _render(path: Path, w: dict) -> str:
    return (path.read_text().replace("@MARKER@", str(w["marker"]))
            .replace("@SECRET@", str(w["secret"]))
            .replace("@PORT@", str(w["listener"].getsockname()[1])))


def _assert_machine_untouched(v: Verdict, w: dict) -> None:
    assert procs_left(HOSTILE_UID) == [], "a sandboxed process outlived its run"
    assert not w["marker"].exists()
    assert w["secret"].read_text() == w["token"] + "\n"
    assert w["token"] not in v.compiler_output + v.runtime_output
    with pytest.raises(BlockingIOError):
        w["listener"].accept()


def _limits(tc: Toolchain) -> ValidationLimits:
    # nvcc needs seconds even for honest code; the others compile in well under one.
    slow_compiler = tc.lang == "cuda"
    return dataclasses.replace(_LIMITS, compile=dataclasses.replace(
        _LIMITS.compile, cpu_seconds=30 if slow_compiler else 4,
        wall_seconds=45.0 if slow_compiler else 6.0))


@pytest.mark.parametrize(("lang", "path"), _cases())
def test_hostile_case_is_contained(lang: str, path: Path, watched: dict) -> None:
    tc = get_toolchain(lang)
    code = _render(path, watched)
    assert code.splitlines()[0].strip(), "first line must name the attack"
    v = validate_candidate(code, _sig(), _SUITE, tc, _limits(tc))
    assert v.status is not VerdictStatus.PASSED, v
    if "compile-time bomb" in code.splitlines()[0]:
        assert v.status is VerdictStatus.COMPILE_ERROR, v  # valid code the compiler chokes on
    _assert_machine_untouched(v, watched)


def _bare_cases() -> list[pytest.param]:
    """Every case again without static checks; where the runtime is absent here (no GPU, no
    julia) only the compile is exercised, which is slow for nvcc: those run in the slow suite."""
    out = []
    for p in _cases():
        lang, path = p.values
        absent = get_toolchain(lang).runtime_problem() is not None
        out.append(pytest.param(lang, path, id=p.id,
                                marks=(pytest.mark.slow,) if absent else ()))
    return out


@pytest.mark.parametrize(("lang", "path"), _bare_cases())
def test_hostile_case_is_contained_by_the_sandbox_alone(lang: str, path: Path,
                                                          watched: dict) -> None:
    tc = get_toolchain(lang)
    code = _render(path, watched)
    static_only = "static-only" in code.splitlines()[0]
    bare = validate_candidate(code, _sig(), _SUITE, _NoStaticChecks(tc), _limits(tc))
    if not static_only or tc.runtime_problem() is not None:
        assert bare.status is not VerdictStatus.PASSED, bare
    if tc.runtime_problem() is not None:
        # Nothing runs here (no GPU, no julia): the sandboxed compile is all there is to attack.
        assert bare.status in (VerdictStatus.UNVERIFIED, VerdictStatus.COMPILE_ERROR), bare
    if "compile-time bomb" in code.splitlines()[0]:
        assert bare.status is VerdictStatus.COMPILE_ERROR, bare  # held by the compile limits
    _assert_machine_untouched(bare, watched)


@pytest.mark.parametrize("lang", available_langs())
def test_honest_control_still_validates_after_the_suite(lang: str) -> None:
    """Runs after the cases (pytest keeps file order): the machine still validates honest work."""
    tc = get_toolchain(lang)
    try:
        honest = tc.lower(analyze_source(HONEST)[0])
    except UnsupportedProgram:  # CUDA lowers data-parallel functions only
        honest = (Path(__file__).parent / "data" / f"honest_control{tc.source_suffix}").read_text()
    control = validate_candidate(honest, _sig(), _SUITE, tc, _limits(tc))
    expected = VerdictStatus.PASSED if tc.runtime_problem() is None else VerdictStatus.UNVERIFIED
    assert control.status is expected, control


@pytest.mark.parametrize("lang", available_langs())
def test_hostile_set_is_complete(lang: str) -> None:
    tc = get_toolchain(lang)
    cases = sorted(_hostile_dir(tc).glob(f"*{tc.source_suffix}"))
    assert len(cases) >= 15
    readme = (_hostile_dir(tc) / "README.md").read_text()
    for path in cases:
        assert path.read_text().splitlines()[0].strip(), path.name
        assert path.stem in readme, path.name
