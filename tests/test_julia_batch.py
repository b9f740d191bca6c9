"""Julia batch orchestration on recorded runner output: sections, restarts, attribution.

No julia runs here: the strings below are what runner.jl prints (its header documents
the protocol); `validate_batch` itself is exercised for the static and unverified paths,
and for real on the store's Debian 11 julia 1.5.3 (or a host julia >= 1.5).
"""

from __future__ import annotations

import dataclasses

import pytest

from tests._julia import require_julia
from tolk.ir.function import Param, Signature
from tolk.ir.types import INT, STR
from tolk.ir.vectors import TestSuite, Vector
from tolk.toolchains.julia import JULIA
from tolk.toolchains.julia.batch import (
    MIN_ADDRESS_SPACE, STARTUP_S, RunnerOutput, Section, batch_policy, parse_runner_output,
    section_verdict, settle,
)
from tolk.toolchains.julia.harness import batch_stdin
from tolk.validators.compare import Tolerance
from tolk.validators.sandbox import SandboxPolicy, SandboxResult
from tolk.validators.validate import ValidationLimits
from tolk.validators.verdict import VerdictStatus

N = "a1b2c3"  # the nonce of every recorded run below
SIG = Signature("inc", (Param("n", INT),), INT)
VECTORS = tuple(Vector((n,), n + 1) for n in (0, 1, 41))
TOL = Tolerance()


def ctl(text: str) -> str:
    return f"{N}!{text}\n"


def dat(text: str) -> str:
    return "".join(f"{N}|{line}\n" for line in text.split("\n"))


def good(k: int, wrong_at: int = 0) -> str:
    body = "".join(dat(f"@@ {j}\n{(n + 1) + (j == wrong_at)}\n@@end {j}")
                   for j, n in enumerate((0, 1, 41), 1))
    return ctl(f"@@cand {k}") + body + ctl(f"@@candend {k} 0.25")


def proc(stdout: str, returncode: int | None = 0, signal_name: str = "",
         timed_out: bool = False, stderr: str = "") -> SandboxResult:
    return SandboxResult(returncode=returncode, signal_name=signal_name, timed_out=timed_out,
                         stdout=stdout, stderr=stderr, stdout_truncated=False,
                         stderr_truncated=False, wall_s=3.0, cpu_s=1.0, max_rss_kb=1,
                         executor="bwrap")


def verdicts(stdout: str, pending: list[int], **kw) -> tuple[dict, list[int]]:
    run = proc(stdout, **kw)
    decided, remaining = settle(pending, parse_runner_output(stdout, N), run)
    return ({k: section_verdict(sec, r, SIG, VECTORS, TOL) for k, (sec, r) in decided.items()},
            remaining)


# ---- parsing ---------------------------------------------------------------------------

def test_sections_split_and_noise_is_set_aside() -> None:
    out = parse_runner_output("julia warning\n" + good(1) + "@@ 1\n2\n@@end 1\n" + good(2)
                              + ctl("@@batchend"), N)
    assert out.batch_done
    assert [s.k for s in out.sections] == [1, 2]
    assert all(s.end == "done" for s in out.sections)
    assert out.sections[0].records == "@@ 1\n1\n@@end 1\n@@ 2\n2\n@@end 2\n@@ 3\n42\n@@end 3\n"
    assert out.sections[0].seconds == 0.25
    # Unprefixed lines (a candidate's own prints) never reach a section.
    assert out.noise == "julia warning\n@@ 1\n2\n@@end 1"


def test_a_result_string_cannot_forge_a_section() -> None:
    # A string result is data: even "@@candend 1" inside it stays part of the record.
    sig = Signature("s", (Param("n", INT),), STR)
    value = "x\n" + ctl("@@candend 1").strip()
    text = ctl("@@cand 1") + dat(f"@@ 1\n{len(value)}\n{value}\n@@end 1") + \
        ctl("@@candend 1 0.1") + ctl("@@batchend")
    out = parse_runner_output(text, N)
    assert len(out.sections) == 1
    decided, _ = settle([1], out, proc(text))
    sec, run = decided[1]
    v = section_verdict(sec, run, sig, (Vector((0,), value),), TOL)
    assert v.status is VerdictStatus.PASSED, v


def test_records_printed_by_the_candidate_without_the_nonce_are_ignored() -> None:
    forged = "@@ 1\n1\n@@end 1\n@@ 2\n2\n@@end 2\n@@ 3\n42\n@@end 3\n"
    text = ctl("@@cand 1") + forged + dat("@@ 1\n0\n@@end 1") + forged + \
        dat("@@ 2\n1\n@@end 2\n@@ 3\n41\n@@end 3") + ctl("@@candend 1 0.1") + ctl("@@batchend")
    v, _ = verdicts(text, [1])
    assert v[1].status is VerdictStatus.WRONG_ANSWER
    assert v[1].first_failure is not None and v[1].first_failure.index == 0


def test_error_and_load_markers() -> None:
    text = (ctl("@@cand 1") + dat("@@ 1\n1\n@@end 1\n@@ 2") +
            ctl("@@error 2 DivideError: integer division error") + ctl("@@candend 1 0.1") +
            ctl("@@cand 2") + ctl("@@loaderror syntax: incomplete: premature end of input") +
            ctl("@@candend 2 0.0") + ctl("@@cand 3") +
            ctl("@@loaderror harness: glue_3.jl: SystemError") + ctl("@@candend 3 0.0") +
            ctl("@@batchend"))
    v, remaining = verdicts(text, [1, 2, 3])
    assert remaining == []
    assert v[1].status is VerdictStatus.RUNTIME_ERROR
    assert v[1].reason == "exception:DivideError"
    assert v[1].passed == 1 and v[1].first_failure is not None and v[1].first_failure.index == 1
    assert "integer division error" in v[1].runtime_output
    assert v[2].status is VerdictStatus.COMPILE_ERROR and v[2].reason == "load_failed"
    assert "premature end" in v[2].compiler_output
    assert v[3].status is VerdictStatus.HARNESS_ERROR  # our glue, not their code


def test_wrong_answer_and_pass_in_one_run() -> None:
    v, remaining = verdicts(good(1) + good(2, wrong_at=3) + ctl("@@batchend"), [1, 2])
    assert remaining == []
    assert v[1].status is VerdictStatus.PASSED and v[1].passed == 3
    assert v[2].status is VerdictStatus.WRONG_ANSWER and v[2].first_failure.index == 2
    assert v[1].ran_on == "bwrap" and v[1].run_s == 0.25


# ---- a process that dies inside candidate k ------------------------------------------

def test_alarm_inside_a_candidate_is_its_timeout_and_the_rest_restart() -> None:
    text = good(1) + ctl("@@cand 2") + dat("@@ 1\n1\n@@end 1\n@@ 2")
    v, remaining = verdicts(text, [1, 2, 3, 4], returncode=-14, signal_name="SIGALRM")
    assert remaining == [3, 4]
    assert v[1].status is VerdictStatus.PASSED
    assert v[2].status is VerdictStatus.TIMEOUT and v[2].reason == "time_limit"
    assert v[2].first_failure.index == 1 and v[2].passed == 1


def test_crash_inside_a_candidate_is_its_runtime_error() -> None:
    text = ctl("@@cand 3") + dat("@@ 1")
    v, remaining = verdicts(text, [3, 4], returncode=-11, signal_name="SIGSEGV",
                            stderr="signal (11): Segmentation fault")
    assert remaining == [4]
    assert v[3].status is VerdictStatus.RUNTIME_ERROR and v[3].reason == "signal:SIGSEGV"
    assert v[3].first_failure.index == 0
    assert "Segmentation fault" in v[3].runtime_output


def test_sandbox_wall_clock_inside_a_candidate_is_its_timeout() -> None:
    v, remaining = verdicts(good(1) + ctl("@@cand 2"), [1, 2, 3], returncode=None,
                            signal_name="SIGKILL", timed_out=True)
    assert remaining == [3]
    assert v[2].status is VerdictStatus.TIMEOUT and v[2].reason == "wall_clock"


def test_clean_exit_inside_a_candidate_is_blamed_on_it() -> None:
    # exit(0) is turned into status 3 by the runner's atexit guard; even a clean 0 here is
    # the candidate's doing, never a harness error.
    for rc in (0, 3):
        v, remaining = verdicts(ctl("@@cand 1") + dat("@@ 1"), [1, 2], returncode=rc)
        assert remaining == [2]
        assert v[1].status is VerdictStatus.RUNTIME_ERROR, (rc, v[1])


def test_output_flood_inside_a_candidate_is_its_runtime_error() -> None:
    text = ctl("@@cand 1") + dat("@@ 1") + "@@ 1\n" * 1000
    run = dataclasses.replace(proc(text, returncode=None, signal_name="SIGKILL"),
                              killed_for_output=True)
    decided, remaining = settle([1, 2], parse_runner_output(text, N), run)
    sec, r = decided[1]
    v = section_verdict(sec, r, SIG, VECTORS, TOL)
    assert remaining == [2]
    assert v.status is VerdictStatus.RUNTIME_ERROR and v.reason == "output_limit"


def test_restarts_until_every_candidate_is_judged() -> None:
    """Three runs: k=2 hangs, then k=3 crashes, then 4 and 5 finish."""
    pending = [1, 2, 3, 4, 5]
    runs = [
        (good(1) + ctl("@@cand 2") + dat("@@ 1"), dict(returncode=-14, signal_name="SIGALRM")),
        (ctl("@@cand 3") + dat("@@ 1"), dict(returncode=-6, signal_name="SIGABRT")),
        (good(4) + good(5) + ctl("@@batchend"), {}),
    ]
    judged = {}
    for text, kw in runs:
        v, remaining = verdicts(text, pending, **kw)
        assert len(remaining) < len(pending)  # every run makes progress
        judged |= v
        pending = remaining
    assert pending == []
    assert {k: v.status for k, v in judged.items()} == {
        1: VerdictStatus.PASSED, 2: VerdictStatus.TIMEOUT, 3: VerdictStatus.RUNTIME_ERROR,
        4: VerdictStatus.PASSED, 5: VerdictStatus.PASSED}


def test_no_progress_and_missing_sections() -> None:
    # julia died before the first candidate: nothing decided (the caller stops there).
    decided, remaining = settle([1, 2], parse_runner_output("", N), proc("", returncode=1))
    assert decided == {} and remaining == [1, 2]
    # The runner claims it finished but skipped candidate 2: ours to fix, never a pass.
    v, remaining = verdicts(good(1) + ctl("@@batchend"), [1, 2])
    assert remaining == []
    assert v[2].status is VerdictStatus.HARNESS_ERROR and v[2].reason == "missing_section"
    # A section for a candidate this run was not given is ignored.
    decided, _ = settle([2], parse_runner_output(good(1), N), proc(good(1)))
    assert decided == {}


def test_truncated_last_line_and_bad_numbers_do_not_raise() -> None:
    out = parse_runner_output(ctl("@@cand x") + ctl("@@candend 1 zz") + f"{N}!@@ca", N)
    assert out == RunnerOutput((Section(-1, "", "done", "", 0, 0.0),), False, "")


# ---- policy and stdin --------------------------------------------------------------------

def test_batch_policy_scales_with_the_batch() -> None:
    run = SandboxPolicy(cpu_seconds=10, wall_seconds=10.0, memory_bytes=1 << 30, nproc=16,
                        output_limit_bytes=1 << 20)
    p = batch_policy(run, 5)
    assert p.wall_seconds == STARTUP_S + 50.0 + 5.0
    assert p.cpu_seconds == STARTUP_S + 50
    assert p.memory_bytes == MIN_ADDRESS_SPACE and p.nproc >= 64
    assert p.output_limit_bytes == 5 << 20
    assert batch_policy(dataclasses.replace(run, memory_bytes=0), 1).memory_bytes == 0


def test_batch_stdin_format() -> None:
    assert batch_stdin("ff00", 2.5, [3, 4, 9]) == "ff00\n2.500\n3 4 9\n"


# ---- validate_batch without julia -----------------------------------------------------------

GOOD = "function inc(n::Int64)::Int64\n    return n + 1\nend\n"
BAD = "function inc(n::Int64)::Int64\n    run(`true`)\n    return n + 1\nend\n"


def test_validate_batch_here_is_static_then_unverified(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOLK_JULIA", "/nonexistent/julia")
    suite = TestSuite(VECTORS)
    items = [(GOOD, SIG, suite), (BAD, SIG, suite), (GOOD.replace("inc(", "dec("), SIG, suite),
             (GOOD, Signature("end", (), INT), TestSuite(()))]
    out = JULIA.validate_batch(items, ValidationLimits())
    assert [v.status for v in out] == [VerdictStatus.UNVERIFIED, VerdictStatus.REJECTED_STATIC,
                                       VerdictStatus.REJECTED_STATIC,
                                       VerdictStatus.REJECTED_STATIC]
    assert out[0].ran_on == "static-only" and out[0].total == 3
    assert "julia not found" in out[0].reason
    assert [v.reason for v in out[1:]] == ["forbidden:run", "no_definition",
                                           "unsupported_name:end"]


# ---- with a real julia ---------------------------------------------------------------------

@pytest.mark.slow
def test_real_batch_judges_each_candidate_fairly() -> None:
    require_julia()
    suite = TestSuite(VECTORS)
    sleepy = GOOD.replace("return n + 1", "sleep(60)\n    return n + 1")
    throws = GOOD.replace("return n + 1", "return div(n, 0)")
    wrong = GOOD.replace("n + 1", "n + 2")
    broken = "function inc(n::Int64)::Int64\n    return n +\n"
    items = [(GOOD, SIG, suite), (sleepy, SIG, suite), (throws, SIG, suite), (wrong, SIG, suite),
             (broken, SIG, suite), (GOOD, SIG, suite)]
    limits = ValidationLimits(run=dataclasses.replace(ValidationLimits().run, wall_seconds=3.0,
                                                      cpu_seconds=3))
    out = JULIA.validate_batch(items, limits)
    assert [v.status for v in out] == [
        VerdictStatus.PASSED, VerdictStatus.TIMEOUT, VerdictStatus.RUNTIME_ERROR,
        VerdictStatus.WRONG_ANSWER, VerdictStatus.REJECTED_STATIC, VerdictStatus.PASSED]


# ---- the restart loop, fed recorded runs ---------------------------------------------------

@dataclasses.dataclass(frozen=True)
class _RuntimeHere:
    """The Julia toolchain as if julia were installed (nothing runs: see the recorder)."""
    inner: object = JULIA

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def runtime_problem(self) -> None:
        return None


def test_validate_batch_restarts_after_a_death(monkeypatch: pytest.MonkeyPatch) -> None:
    """Items 0..3, item 1 rejected statically: the runner gets candidates 1, 3, 4; the
    first process dies of SIGALRM inside candidate 3, the second runs candidate 4."""
    import tolk.toolchains.julia.batch as batch_mod

    calls: list[tuple[list[int], set[str]]] = []

    def recorded(argv, *, workdir, stdin, policy, writable_workdir, env, executor):
        nonce, limit, ks = stdin.split("\n")[:3]
        pending = [int(k) for k in ks.split()]
        calls.append((pending, {p.name for p in workdir.iterdir()}))
        assert argv[-1] == "runner.jl" and not writable_workdir
        assert policy.wall_seconds == STARTUP_S + len(pending) * 10.0 + 5.0
        assert env["JULIA_DEPOT_PATH"].startswith((str(workdir), "/tmp/"))
        mark = lambda t: f"{nonce}!{t}\n"  # noqa: E731
        data = lambda t: "".join(f"{nonce}|{x}\n" for x in t.split("\n"))  # noqa: E731
        if pending == [1, 3, 4]:
            out = (mark("@@cand 1") + data("@@ 1\n1\n@@end 1\n@@ 2\n2\n@@end 2\n@@ 3\n42\n@@end 3")
                   + mark("@@candend 1 0.1") + mark("@@cand 3") + data("@@ 1"))
            return proc(out, returncode=-14, signal_name="SIGALRM")
        assert pending == [4]
        out = (mark("@@cand 4") + data("@@ 1\n1\n@@end 1\n@@ 2\n9\n@@end 2\n@@ 3\n42\n@@end 3")
               + mark("@@candend 4 0.1") + mark("@@batchend"))
        return proc(out)

    monkeypatch.setattr(batch_mod, "run_sandboxed", recorded)
    suite = TestSuite(VECTORS)
    items = [(GOOD, SIG, suite), (BAD, SIG, suite), (GOOD, SIG, suite), (GOOD, SIG, suite)]
    out = batch_mod.validate_batch(_RuntimeHere(), items, ValidationLimits())
    assert [c[0] for c in calls] == [[1, 3, 4], [4]]
    assert {"runner.jl", "cand_1.jl", "glue_1.jl", "cand_1.in", "cand_4.in"} <= calls[0][1]
    assert "cand_2.jl" not in calls[0][1]  # statically rejected: never written, never run
    assert [v.status for v in out] == [VerdictStatus.PASSED, VerdictStatus.REJECTED_STATIC,
                                       VerdictStatus.TIMEOUT, VerdictStatus.WRONG_ANSWER]


def test_validate_batch_stops_when_julia_itself_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    import tolk.toolchains.julia.batch as batch_mod

    runs = []

    def dead(argv, **kw):
        runs.append(argv)
        return proc("", returncode=1, stderr="ERROR: could not load library libjulia")

    monkeypatch.setattr(batch_mod, "run_sandboxed", dead)
    suite = TestSuite(VECTORS)
    out = batch_mod.validate_batch(_RuntimeHere(), [(GOOD, SIG, suite)] * 2, ValidationLimits())
    assert len(runs) == 1  # no progress: no endless restarts
    assert all(v.status is VerdictStatus.HARNESS_ERROR for v in out)
    assert "libjulia" in out[0].reason
