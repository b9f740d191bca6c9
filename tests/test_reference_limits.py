"""The reference's per-input limit counts CPU time, not the wall clock, so that a loaded
machine times out the same inputs as an idle one and a seed gives the same suite in CI
and beside another run. A blocking call is still stopped, by the wall-clock backstop."""

from __future__ import annotations

from tolk.ir.types import INT
from tolk.validators.reference import OutcomeKind, run_module
from tolk.validators.testgen import DEFAULT_POLICY

SOURCE = '''
import time

def f(mode: int) -> int:
    if mode == 0:  # waits without using CPU
        time.sleep(0.6)
        return 0
    if mode == 1:  # spins: uses CPU
        k = 0
        while True:
            k += 1
    time.sleep(30)  # blocks far past any limit
    return 2
'''


def _kinds(inputs: list[tuple[int]], timeout_s: float, max_timeouts: int = 3) -> list[OutcomeKind]:
    run = run_module(SOURCE, "f", inputs, returns=INT, policy=DEFAULT_POLICY, hash_seed=1,
                     timeout_s=timeout_s, max_timeouts=max_timeouts)
    return [o.kind for o in run.outcomes]


def test_waiting_is_not_counted_against_the_per_input_limit() -> None:
    # 0.6 s of sleep under a 0.3 s limit: a wall-clock timer would stop it; CPU time does not.
    assert _kinds([(0,)], 0.3) == [OutcomeKind.OK]


def test_spinning_hits_the_cpu_limit_and_blocking_hits_the_backstop() -> None:
    # The spin is stopped by the CPU limit; the 30 s sleep by the wall backstop (8 x 0.3 s),
    # long before the sleep ends, and the next input still runs.
    assert _kinds([(1,), (2,), (0,)], 0.3) == [OutcomeKind.TIMEOUT, OutcomeKind.TIMEOUT,
                                               OutcomeKind.OK]


COUNTS = '''
def g(n: int) -> int:
    k = 0
    for _ in range(n):
        k += 1  # one guarded operation per iteration (the augmented assignment's check)
    return k
'''


def test_with_the_int64_guard_the_limit_is_a_count_of_operations() -> None:
    # 0.05 s of limit is 300,000 guarded operations (STEPS_PER_SECOND 6M): an input just
    # under it returns and one just over times out, at the same step on any machine and
    # under any load (the CPU backstop, 3x, is far from either).
    run = run_module(COUNTS, "g", [(290_000,), (310_000,), (5,)], returns=INT,
                     policy=DEFAULT_POLICY, hash_seed=1, timeout_s=0.05, max_timeouts=3,
                     int64=True)
    assert [o.kind for o in run.outcomes] == [OutcomeKind.OK, OutcomeKind.TIMEOUT, OutcomeKind.OK]
    assert run.outcomes[0].value == 290_000
