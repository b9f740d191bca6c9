"""Julia target (>= 1.5; Debian 11's 1.5.3 here): contract, checks, batch runner, lowering.

Key contracts: `JULIA` is the one toolchain object the registry maps `Lang.JULIA` to;
README.md beside this file is the candidate contract, the runner protocol and the
language's quirks. Without a julia (host, or the toolchain store's Debian 11 root
filesystem: `tolk toolchains build --langs julia`) every verdict is `unverified`.
"""

from tolk.toolchains.julia.toolchain import JuliaToolchain

__all__ = ["JULIA", "JuliaToolchain"]

JULIA = JuliaToolchain()
