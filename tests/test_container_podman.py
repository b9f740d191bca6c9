"""The podman executor end to end, on a toolchain root filesystem built offline once per session.

The session fixture runs `build_offline` (debootstrap, ~40-60 s) into a pytest tmp dir for
every registered toolchain with `debian_packages`, and points TOLK_TOOLCHAINS_DIR at it.
Then: the sandbox contract under podman (no network, read-only root, no host files, pids
and memory limits, wall-clock and output kills, nothing left behind), a small hostile set
of C programs compiled and run inside the container, and parity of verdicts between
podman and bwrap over the lowered seed corpus. Skipped where podman, debootstrap, root or
the Debian mirror is missing. All slow: `pytest -m slow tests/test_container_podman.py`.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests._procs import procs_of

from tolk.toolchains.container_build import (
    DEFAULT_SUITE, build_offline, engine_base_argv, find_mirror, mirror_problem, suites_for,
)
from tolk.toolchains.containers import ENV_VAR, container_for, containerfile_path, parse_containerfile
from tolk.validators.sandbox import SandboxPolicy, SandboxResult, available_executors, run_sandboxed

pytestmark = pytest.mark.slow

TEST_UID = 64177  # a uid nothing else uses, so leftover processes are countable
CAP = 4096


def _skip_reason() -> str | None:
    if os.geteuid() != 0:
        return "offline toolchain builds need root"
    if shutil.which("debootstrap", path="/usr/sbin:/usr/bin") is None:
        return "debootstrap is not installed"
    if (why := available_executors()["podman"]) is not None:
        return f"podman unusable: {why}"
    try:
        return mirror_problem(find_mirror(suite=DEFAULT_SUITE), DEFAULT_SUITE)
    except Exception as exc:  # no apt sources at all
        return str(exc)


def _buildable_langs() -> list[str]:
    from tolk.toolchains.registry import available_langs, get_toolchain
    return [str(lang) for lang in available_langs() if getattr(get_toolchain(lang), "debian_packages", ())]


@pytest.fixture(scope="session")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    if (why := _skip_reason()) is not None:
        pytest.skip(why)
    root = tmp_path_factory.mktemp("toolchains")
    said: list[str] = []
    for langs in suites_for(_buildable_langs()).values():  # julia: bullseye, others: bookworm
        build_offline(langs, store=root, progress=said.append)
        assert any("debootstrap" in line for line in said) and "built" in said[-1]
    old = os.environ.get(ENV_VAR)
    os.environ[ENV_VAR] = str(root)
    try:
        yield root
    finally:
        if old is None:
            os.environ.pop(ENV_VAR, None)
        else:
            os.environ[ENV_VAR] = old


@pytest.fixture
def workdir() -> Iterator[Path]:
    d = Path(tempfile.mkdtemp(prefix="tolk-test-ctr-"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


def pol(**kw: object) -> SandboxPolicy:
    base: dict[str, object] = dict(toolchain="fortran", wall_seconds=30.0, uid=TEST_UID,
                                   output_limit_bytes=CAP)
    base.update(kw)
    return SandboxPolicy(**base)  # type: ignore[arg-type]


def sh(script: str, workdir: Path, stdin: str = "", writable: bool = True, **kw: object) -> SandboxResult:
    return run_sandboxed(["/bin/sh", "-c", script], workdir=workdir, stdin=stdin, policy=pol(**kw),
                         writable_workdir=writable, executor="podman")


def our_containers() -> list[str]:
    out = subprocess.run([*engine_base_argv("podman"), "ps", "-a", "--format", "{{.Names}}"],
                         capture_output=True, text=True, stdin=subprocess.DEVNULL, check=True).stdout
    return [n for n in out.split() if n.startswith("tolk-")]


# --- the build ----------------------------------------------------------------------------

def test_build_records_versions_and_a_rebuild_is_a_no_op(store: Path) -> None:
    ref = container_for("fortran")
    manifest = json.loads((store / ref.key / "manifest.json").read_text())
    assert manifest["versions"]["gfortran"].split(":")[-1].startswith("12.")
    assert manifest["size_bytes"] > 100e6 and (Path(ref.location) / "usr/bin/gfortran").exists()
    said: list[str] = []
    again = build_offline(suites_for(_buildable_langs())[DEFAULT_SUITE], store=store,
                          progress=said.append)
    assert again.built_at == manifest["built_at"] and "nothing to do" in said[-1]


def test_containerfile_pins_what_the_offline_build_installed(store: Path) -> None:
    versions = json.loads(
        (store / container_for("fortran").key / "manifest.json").read_text())["versions"]
    args = dict(i.args.split("=", 1) for i in parse_containerfile(containerfile_path("fortran").read_text())
                if i.keyword == "ARG")
    assert args["GFORTRAN_VERSION"] == versions["gfortran"]
    # the upstream compiler release must match; Debian's +deb12uN revision may move on
    assert args["GCC12_VERSION"].split("-")[0] == versions["gfortran-12"].split("-")[0]


# --- the sandbox contract -----------------------------------------------------------------

def test_exit_status_stdin_user_and_workdir(store: Path, workdir: Path) -> None:
    r = sh('read x; echo "got $x"; id -u; pwd; echo $HOME; echo err >&2; exit 3', workdir, stdin="in\n")
    assert (r.returncode, r.stderr, r.executor) == (3, "err\n", "podman")
    assert r.stdout.split() == ["got", "in", str(TEST_UID), "/work", "/work"]


def test_signal_is_reported_like_bwrap(store: Path, workdir: Path) -> None:
    r = sh("kill -SEGV $$", workdir)
    assert (r.returncode, r.signal_name) == (-11, "SIGSEGV")


def test_no_network_only_loopback(store: Path, workdir: Path) -> None:
    r = sh("ls /sys/class/net", workdir)
    assert r.returncode == 0 and r.stdout.split() == ["lo"]


def test_root_is_read_only_and_workdir_follows_policy(store: Path, workdir: Path) -> None:
    r = sh("touch /usr/x || echo ro-usr; touch /x || echo ro-root; echo ok > /tmp/t && cat /tmp/t;"
           " echo w > /work/w && echo wrote", workdir)
    assert r.stdout.split() == ["ro-usr", "ro-root", "ok", "wrote"] and (workdir / "w").exists()
    r = sh("echo w > /work/v || echo ro-work", workdir, writable=False)
    assert r.stdout.split() == ["ro-work"] and not (workdir / "v").exists()


def test_host_files_and_capabilities_are_absent(store: Path, workdir: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    r = sh(f"cat {secret}; ls -A /home; cat /etc/shadow; grep CapEff /proc/self/status", workdir)
    assert "TOPSECRET" not in r.stdout and "root:" not in r.stdout
    assert "CapEff:\t0000000000000000" in r.stdout
    assert Path.home().name not in r.stdout.split()  # /home is the image's, empty


def test_fork_loop_is_held_and_nothing_is_left(store: Path, workdir: Path) -> None:
    # dash gives up at its first failed fork; perl (in every Debian base) keeps count.
    r = sh("""perl -e 'my $n = 0; for (1..200) { my $p = fork(); last unless defined $p;
           if ($p == 0) { sleep 30; exit 0 } $n++ } print "forked $n\\n"'""", workdir, nproc=20,
           wall_seconds=20.0)
    forked = int(r.stdout.split()[-1])
    assert 1 < forked < 20  # the pids cgroup (and RLIMIT_NPROC) held the loop
    assert our_containers() == [] and procs_of(TEST_UID) == []


def test_wall_clock_kills_and_removes_the_container(store: Path, workdir: Path) -> None:
    r = sh("sleep 300 & sleep 300", workdir, wall_seconds=3.0)
    assert r.timed_out and r.returncode is None
    assert our_containers() == [] and procs_of(TEST_UID) == []


def test_output_is_capped_and_the_flood_killed(store: Path, workdir: Path) -> None:
    r = sh("yes", workdir)
    assert r.killed_for_output and r.stdout_truncated and len(r.stdout) == CAP
    assert our_containers() == []


def test_cpu_limit(store: Path, workdir: Path) -> None:
    r = sh("while :; do :; done", workdir, cpu_seconds=1, wall_seconds=30.0)
    assert not r.timed_out and r.signal_name in ("SIGXCPU", "SIGKILL")


# --- hostile programs, compiled and run inside the container ------------------------------

HOSTILE_C = {
    "fork_bomb": r"""
#include <stdio.h>
#include <unistd.h>
int main(void) { int n = 0; for (int i = 0; i < 500; i++) { pid_t p = fork();
  if (p == 0) { sleep(20); _exit(0); } if (p > 0) n++; }
  if (n >= 500) puts("BREACH"); else printf("held at %d\n", n); return 0; }
""",
    "write_outside": r"""
#include <stdio.h>
int main(void) { const char *paths[] = {"/etc/tolk-breach", "/usr/tolk-breach", "/tolk-breach",
  "@MARKER@"}; for (int i = 0; i < 4; i++) { FILE *f = fopen(paths[i], "w");
  if (f) { fputs("x", f); fclose(f); printf("BREACH %s\n", paths[i]); } } return 0; }
""",
    "read_secret": r"""
#include <stdio.h>
int main(void) { const char *paths[] = {"@SECRET@", "/etc/shadow", "/root/.bash_history"};
  for (int i = 0; i < 3; i++) { FILE *f = fopen(paths[i], "r"); char buf[64];
  if (f && fgets(buf, sizeof buf, f)) printf("BREACH %s\n", paths[i]); } return 0; }
""",
    "socket": r"""
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
int main(void) { int s = socket(AF_INET, SOCK_STREAM, 0); if (s < 0) return 0;
  struct sockaddr_in a; memset(&a, 0, sizeof a); a.sin_family = AF_INET; a.sin_port = htons(53);
  inet_pton(AF_INET, "1.1.1.1", &a.sin_addr);
  if (connect(s, (struct sockaddr *)&a, sizeof a) == 0) puts("BREACH"); return 0; }
""",
    "infinite_output": r"""
#include <stdio.h>
int main(void) { for (;;) puts("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"); }
""",
    "sleep": r"""
#include <unistd.h>
int main(void) { for (;;) sleep(1); }
""",
    "memory_hog": r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void) { size_t n = (size_t)768 << 20; char *p = malloc(n);
  if (p) { memset(p, 1, n); puts("BREACH"); } return 0; }
""",
}


@pytest.mark.parametrize("case", sorted(HOSTILE_C))
def test_hostile_program_is_contained(store: Path, workdir: Path, tmp_path: Path, case: str) -> None:
    marker, secret = tmp_path / "marker", tmp_path / "secret"
    secret.write_text("TOPSECRET\n")
    src = HOSTILE_C[case].replace("@MARKER@", str(marker)).replace("@SECRET@", str(secret))
    (workdir / "h.c").write_text(src)
    comp = run_sandboxed(["gcc-12", "-O0", "h.c", "-o", "h"], workdir=workdir, executor="podman",
                         policy=pol(memory_bytes=0, nproc=64, nofile=256, wall_seconds=60.0))
    assert comp.returncode == 0, comp.stderr
    r = run_sandboxed(["./h"], workdir=workdir, executor="podman", writable_workdir=False,
                      policy=pol(memory_bytes=256 << 20, nproc=16, wall_seconds=4.0))
    assert "BREACH" not in r.stdout, r.stdout
    rootfs = Path(container_for("fortran").location)
    assert not marker.exists() and not any((rootfs / p).exists() for p in
                                           ("etc/tolk-breach", "usr/tolk-breach", "tolk-breach"))
    if case == "infinite_output":
        assert r.killed_for_output and len(r.stdout) == CAP
    if case == "sleep":
        assert r.timed_out
    if case == "fork_bomb":
        assert "held at" in r.stdout
    assert our_containers() == [] and procs_of(TEST_UID) == []


# --- parity with bwrap over the lowered seed corpus ---------------------------------------

def _parity_langs() -> list[str]:
    from tolk.toolchains.registry import get_toolchain
    return [lang for lang in _buildable_langs() if get_toolchain(lang).availability() is None]


@pytest.mark.parametrize("lang", _parity_langs())
def test_seed_corpus_verdicts_match_bwrap(store: Path, lang: str) -> None:
    if available_executors()["bwrap"] is not None:
        pytest.skip("bwrap unusable here")
    from tolk.ir.frontend import analyze_source
    from tolk.ir.function import Function
    from tolk.lang import Lang
    from tolk.outcome import Rejected
    from tolk.toolchains.registry import get_toolchain
    from tolk.translators.lowering import LoweringTranslator
    from tolk.validators.testgen import build_test_suite
    from tolk.validators.validate import ValidationLimits, validate_candidate
    from tolk.validators.verdict import VerdictStatus

    seed = Path(__file__).resolve().parents[1] / "data" / "seed"
    fns = [f for p in sorted(seed.glob("*.py")) for f in analyze_source(p.read_text(), uri=p.name)
           if isinstance(f, Function) and f.body is not None]
    assert len(fns) > 20
    tc = get_toolchain(lang)
    limits = ValidationLimits()
    compared = 0
    mismatches: list[str] = []
    for fn in fns:
        suite = build_test_suite(fn, n_inputs=20)
        if isinstance(suite, Rejected):
            continue
        cand = LoweringTranslator().translate(fn, suite, Lang(lang))
        if isinstance(cand, Rejected):
            continue
        got = {ex: validate_candidate(cand.code, fn.signature, suite, tc,
                                      dataclasses.replace(limits, executor=ex))
               for ex in ("bwrap", "podman")}
        # a rootfs toolchain names its root filesystem too: podman:debian-bullseye
        assert got["podman"].ran_on.split(":")[0] == "podman"
        assert got["bwrap"].ran_on.split(":")[0] == "bwrap"
        b, p = got["bwrap"], got["podman"]
        if (b.status, b.passed, b.total) != (p.status, p.passed, p.total):
            mismatches.append(f"{fn.name}: bwrap {b.status} {b.passed}/{b.total} {b.reason} | "
                              f"podman {p.status} {p.passed}/{p.total} {p.reason}")
        assert p.status != VerdictStatus.HARNESS_ERROR, (fn.name, p)
        compared += 1
    assert compared > 20
    assert mismatches == []


# --- the hostile suites under podman ------------------------------------------------------

from tests.test_hostile import watched  # noqa: E402,F401 - the fixture, shared


@pytest.mark.parametrize("lang", _parity_langs())
def test_hostile_suite_is_contained_by_podman(store: Path, lang: str, watched: dict) -> None:
    """Every hostile case of the language, with and without static checks, in containers."""
    from tests.test_hostile import (
        HONEST, _LIMITS, _NoStaticChecks, _SUITE, _assert_machine_untouched, _hostile_dir,
        _render, _sig,
    )
    from tolk.ir.frontend import analyze_source
    from tolk.toolchains.registry import get_toolchain
    from tolk.validators.validate import validate_candidate
    from tolk.validators.verdict import VerdictStatus

    tc = get_toolchain(lang)
    limits = dataclasses.replace(_LIMITS, executor="podman")
    cases = sorted(_hostile_dir(tc).glob(f"*{tc.source_suffix}"))
    assert len(cases) >= 15
    for path in cases:
        code = _render(path, watched)
        static_only = "static-only" in code.splitlines()[0]
        for checked in (tc, _NoStaticChecks(tc)):
            v = validate_candidate(code, _sig(), _SUITE, checked, limits)
            if checked is tc or not static_only:
                assert v.status is not VerdictStatus.PASSED, (path.stem, v)
            _assert_machine_untouched(v, watched)
            assert our_containers() == [], path.stem
    honest = tc.lower(analyze_source(HONEST)[0])
    control = validate_candidate(honest, _sig(), _SUITE, tc, limits)
    assert control.status is VerdictStatus.PASSED and control.ran_on.split(":")[0] == "podman", \
        control


# --- doctor on a real container -----------------------------------------------------------

def test_doctor_runs_the_compiler_inside_and_reports_when_it_is_missing(
        store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tolk.flows import doctor
    from tolk.toolchains.containers import Manifest, record_build

    row = next(r for r in doctor.doctor_lines() if r[0] == "container:fortran")
    assert row[1] and "gfortran runs inside" in row[2]
    # A copy of the root filesystem (hard links: cheap) without its compiler.
    broken = tmp_path / "rootfs"
    subprocess.run(["cp", "-al", container_for("fortran").location, str(broken)], check=True)
    for exe in (broken / "usr/bin").glob("gfortran*"):
        exe.unlink()
    other = tmp_path / "store"
    record_build(Manifest(key="broken", kind="rootfs", langs=("fortran",), packages=("gfortran",),
                          location=str(broken), built_at="now", source="test"), other)
    monkeypatch.setenv(ENV_VAR, str(other))
    name, ok, detail = next(r for r in doctor.doctor_lines() if r[0] == "container:fortran")
    assert not ok and "gfortran --version" in detail and "not found" in detail
