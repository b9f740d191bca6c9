"""Recognise a repository's license from its LICENSE/COPYING file (SPDX identifiers).

Key contracts: `detect_license(root)` reads at most a few KiB of the first license file
found at the root and returns an SPDX id, or "unknown" when no file or no known text is
there. It never raises: a corpus must not stop on a license it cannot read.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["detect_license", "classify_license_text", "LICENSE_FILES"]

LICENSE_FILES = ("LICENSE", "LICENSE.txt", "LICENSE.md", "LICENSE.rst", "LICENCE",
                 "LICENCE.txt", "LICENCE.md", "COPYING", "COPYING.txt", "COPYING.md")

# (SPDX id, every pattern must occur), most specific first; matched on collapsed whitespace.
_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("AGPL-3.0", ("gnu affero general public license", "version 3")),
    ("LGPL-3.0", ("gnu lesser general public license", "version 3")),
    ("LGPL-2.1", ("gnu lesser general public license", "version 2.1")),
    ("GPL-3.0", ("gnu general public license", "version 3")),
    ("GPL-2.0", ("gnu general public license", "version 2")),
    ("Apache-2.0", ("apache license", "version 2.0")),
    ("MPL-2.0", ("mozilla public license", "2.0")),
    ("PSF-2.0", ("python software foundation license",)),
    ("BSD-3-Clause", ("redistribution and use in source and binary forms",
                      "neither the name")),
    ("BSD-2-Clause", ("redistribution and use in source and binary forms",)),
    ("MIT", ("permission is hereby granted, free of charge",)),
    ("ISC", ("permission to use, copy, modify, and/or distribute this software",)),
    ("Unlicense", ("this is free and unencumbered software released into the public domain",)),
    ("CC0-1.0", ("cc0 1.0 universal",)),
)


def classify_license_text(text: str) -> str:
    flat = re.sub(r"\s+", " ", text.lower())
    for spdx, needles in _RULES:
        if all(n in flat for n in needles):
            return spdx
    return "unknown"


def detect_license(root: Path) -> str:
    for name in LICENSE_FILES:
        path = Path(root, name)
        try:
            if not path.is_file() or path.is_symlink():
                continue
            with open(path, "rb") as f:
                text = f.read(16_384).decode("utf-8", "replace")
        except OSError:
            continue
        return classify_license_text(text)
    return "unknown"
