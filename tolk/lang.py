"""The one name per target language: folder names, registry keys and dataset configs."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Lang"]


class Lang(StrEnum):
    FORTRAN = "fortran"
    COBOL = "cobol"
    JULIA = "julia"
    CUDA = "cuda"
