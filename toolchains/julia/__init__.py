"""Julia target (Julia 1.10 LTS): contract, static checks, batch runner, lowering.

Key contracts: `JULIA` is the one toolchain object the registry maps `Lang.JULIA` to;
README.md beside this file is the candidate contract, the runner protocol and the
language's quirks. Without a julia binary every verdict is `unverified`.
"""

from tolk.toolchains.julia.toolchain import JuliaToolchain

__all__ = ["JULIA", "JuliaToolchain"]

JULIA = JuliaToolchain()
