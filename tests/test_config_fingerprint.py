"""A shard's key holds the settings that decide what it produces, and only those: a resumed
run reuses a shard exactly when re-computing it would give the same rows."""

from __future__ import annotations

from tolk.flows.config import BuildConfig


def test_settings_that_change_rows_change_the_fingerprint_and_others_do_not() -> None:
    base = BuildConfig(source="src", out="a")
    # Where, how wide and how fast: the same rows.
    for same in (dict(out="b"), dict(workers=7), dict(shard_size=3), dict(batch_size=5)):
        assert BuildConfig(source="src", **{"out": "a", **same}).fingerprint() == base.fingerprint()
    # What the shard holds: the suites' size, their seed, and the stage bound (CPU
    # seconds: it decides which items become internal_error:<stage>_timeout).
    for other in (dict(n_inputs=7), dict(seed=1), dict(stage_timeout_s=30.0)):
        assert BuildConfig(source="src", out="a", **other).fingerprint() != base.fingerprint()
