"""The one name per target language: folder names, registry keys and dataset configs."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Lang", "DEFAULT_LANG"]


class Lang(StrEnum):
    FORTRAN = "fortran"
    COBOL = "cobol"
    JULIA = "julia"
    CUDA = "cuda"


#: the target a command builds when none is named (`--to`)
DEFAULT_LANG = Lang.FORTRAN
