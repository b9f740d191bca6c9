"""Fortran target (gfortran 12): contract, harness, static checks, toolchain object.

Key contracts: `FORTRAN` is the one toolchain object the registry maps `Lang.FORTRAN` to;
README.md beside this file is the candidate contract and the language's quirks.
"""

from tolk.toolchains.fortran.toolchain import FortranToolchain

__all__ = ["FORTRAN", "FortranToolchain"]

FORTRAN = FortranToolchain()
