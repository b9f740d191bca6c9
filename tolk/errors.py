"""tolk's error hierarchy; third-party errors are converted where they enter.

    TolkError
    ├── ToolchainUnavailable   a compiler/runtime/sandbox is missing (carries an install hint)
    ├── UnsupportedProgram     a program the IR cannot represent (carries a closed reason)
    └── ConfigError            a bad flag or parameter
"""

from __future__ import annotations

__all__ = ["TolkError", "ToolchainUnavailable", "UnsupportedProgram", "ConfigError"]


class TolkError(Exception):
    """Base of every error tolk raises on purpose."""


class ToolchainUnavailable(TolkError):
    def __init__(self, what: str, hint: str) -> None:
        super().__init__(f"{what} is not usable here: {hint}")
        self.what = what
        self.hint = hint


class UnsupportedProgram(TolkError):
    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class ConfigError(TolkError):
    """A user-supplied setting that cannot work."""
