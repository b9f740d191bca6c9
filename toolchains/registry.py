"""The one explicit registry from `Lang` to its toolchain object (no imports by string).

Key contracts: a language is registered by importing its folder's object here; a `Lang`
without a toolchain yet raises `ConfigError` from `get_toolchain`. Whether the compiler
is installed on this machine is each toolchain's `availability()`, not this registry.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from tolk.errors import ConfigError
from tolk.lang import Lang
from tolk.toolchains.base import Toolchain
from tolk.toolchains.cobol import COBOL
from tolk.toolchains.cuda import CUDA
from tolk.toolchains.fortran import FORTRAN
from tolk.toolchains.julia import JULIA

__all__ = ["TOOLCHAINS", "get_toolchain", "available_langs"]

TOOLCHAINS: Mapping[Lang, Toolchain] = MappingProxyType({
    Lang.FORTRAN: FORTRAN,
    Lang.COBOL: COBOL,
    Lang.JULIA: JULIA,
    Lang.CUDA: CUDA,
})


def get_toolchain(lang: Lang | str) -> Toolchain:
    try:
        return TOOLCHAINS[Lang(lang)]
    except (KeyError, ValueError) as exc:
        raise ConfigError(
            f"no toolchain for {lang!r}; registered: {', '.join(available_langs())}"
        ) from exc


def available_langs() -> tuple[Lang, ...]:
    """Languages with a registered toolchain, in `Lang` order."""
    return tuple(lang for lang in Lang if lang in TOOLCHAINS)
