"""Processes of a uid, read from /proc: how tests prove a sandbox left nothing behind
(the functions live in tolk.validators.hostile, whose machine checks use them too)."""

from __future__ import annotations

from tolk.validators.hostile import procs_left, procs_of

__all__ = ["procs_of", "procs_left"]
