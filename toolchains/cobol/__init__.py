"""The COBOL target: GnuCOBOL 3.1.2 (`cobc -x -free -debug`), see README.md for the contract."""

from tolk.toolchains.cobol.toolchain import CobolToolchain

__all__ = ["COBOL", "CobolToolchain"]

COBOL = CobolToolchain()
