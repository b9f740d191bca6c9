"""The `julia` fixture's rule: tests that run julia never skip where it can be had.

scripts/setup.sh builds the store's Debian 11 julia (`tolk toolchains build --langs
julia`) wherever it can: as root, with debootstrap and bwrap. There a missing julia is a
failure that says how to build it, never a skip; only a machine that cannot build or
sandbox it skips, with the reason.
"""

from __future__ import annotations

import os
import shutil

import pytest

from tolk.toolchains.julia import JULIA
from tolk.validators.sandbox import available_executors


def _cannot_build() -> str | None:
    if os.geteuid() != 0:
        return "not root: debootstrap cannot build the julia root filesystem here"
    if shutil.which("debootstrap", path="/usr/sbin:/usr/bin:/sbin:/bin") is None:
        return "no debootstrap to build the julia root filesystem"
    if (why := available_executors()["bwrap"]) is not None:
        return f"no bwrap sandbox to run julia in: {why}"
    return None


def require_julia() -> None:
    """Return when a julia runs here; fail where setup.sh would have built one; else skip."""
    problem = JULIA.runtime_problem()
    if problem is None:
        return
    if (why := _cannot_build()) is not None:
        pytest.skip(f"{why} ({problem})")
    pytest.fail(f"julia should be here (run scripts/setup.sh or `tolk toolchains build "
                f"--langs julia`): {problem}")
