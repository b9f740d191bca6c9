"""`tolk doctor`: what is usable on this machine, and how to fix what is not."""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["doctor_command", "doctor_lines"]


def doctor_lines() -> list[tuple[str, bool, str]]:
    """(component, usable, detail) for sandboxes, toolchains and Prefect."""
    from tolk.lang import Lang
    from tolk.toolchains.registry import available_langs, get_toolchain
    from tolk.validators.sandbox import available_executors

    rows: list[tuple[str, bool, str]] = [("python", True, sys.version.split()[0])]
    for name, why in available_executors().items():
        rows.append((f"sandbox:{name}", why is None,
                     why or ("isolated" if name != "host" else "rlimits only, NOT isolated")))
    registered = set(available_langs())
    for lang in Lang:
        if lang not in registered:
            rows.append((f"toolchain:{lang}", False, "no toolchain folder yet (toolchains/"
                         f"{lang}/ is not built)"))
            continue
        tc = get_toolchain(lang)
        why = tc.availability()
        rows.append((f"toolchain:{lang}", why is None, why or tc.version()))
    try:
        import prefect
        home = Path(os.environ.get("PREFECT_HOME", Path.home() / ".prefect"))
        ok = os.access(home if home.exists() else home.parent, os.W_OK)
        rows.append(("prefect", ok, f"{prefect.__version__}; PREFECT_HOME={home}"
                     + ("" if ok else " is not writable: set PREFECT_HOME")))
    except ImportError as exc:
        rows.append(("prefect", False, f"not importable: {exc}; pip install prefect"))
    return rows


def doctor_command() -> int:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="tolk doctor")
    for col in ("component", "usable", "detail"):
        table.add_column(col)
    rows = doctor_lines()
    for name, ok, detail in rows:
        table.add_row(name, "[green]yes[/]" if ok else "[red]no[/]", detail)
    Console().print(table)
    return 0
