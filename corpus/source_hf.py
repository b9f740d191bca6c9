"""A Hugging Face dataset as a source, read in `datasets` streaming mode.

    hf:org/name[:config][@split]       (split defaults to "train")
    options: code_column, id_column, path_column, license_column, license, revision,
             max_bytes

Key contracts: used only where the network allows. Before `datasets` is even imported, an
offline setting (HF_DATASETS_OFFLINE / HF_HUB_OFFLINE) or an unreachable hub endpoint
(a TCP connect with a short timeout) raises `SourceUnavailable` naming both, instead of a
long retry loop and a traceback; a missing `datasets` package says how to install it.
Rows go through the same `row_item` as JSONL/parquet rows (corpus/source_tables.py), so a
bad row is a `Rejected`; a connection lost mid-stream is a `SourceUnavailable`.
"""

from __future__ import annotations

import os
import socket
import threading
from typing import Iterator, Mapping
from urllib.parse import urlparse

from tolk.corpus.source_tables import TABLE_OPTIONS, Columns, row_item
from tolk.corpus.sources import SourceUnavailable, check_options, max_bytes_option
from tolk.errors import ConfigError
from tolk.ir.function import Program
from tolk.outcome import Rejected

__all__ = ["iter_hf", "parse_hf_spec", "check_hub_reachable"]

_OFFLINE_VARS = ("HF_DATASETS_OFFLINE", "HF_HUB_OFFLINE")


def parse_hf_spec(spec: str) -> tuple[str, str | None, str]:
    """`org/name[:config][@split]` -> (name, config, split)."""
    rest, _, split = spec.partition("@")
    name, _, config = rest.partition(":")
    if not name or any(c.isspace() for c in spec):
        raise ConfigError(f"hf source {spec!r}: expected hf:org/name[:config][@split]")
    return name, config or None, split or "train"


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def check_hub_reachable(timeout: float = 3.0) -> None:
    """Raise SourceUnavailable unless the hub can be reached now."""
    offline = [v for v in _OFFLINE_VARS if _truthy(os.environ.get(v))]
    if offline:
        raise SourceUnavailable(
            f"Hugging Face datasets are offline here ({', '.join(offline)}=1): unset "
            "HF_DATASETS_OFFLINE/HF_HUB_OFFLINE where the network allows, or use a local "
            "parquet/JSONL copy of the dataset as the source")
    endpoint = urlparse(os.environ.get("HF_ENDPOINT") or "https://huggingface.co")
    host, port = endpoint.hostname or "huggingface.co", endpoint.port or \
        (443 if endpoint.scheme == "https" else 80)
    error: list[str] = ["timed out"]

    def probe() -> None:  # in a thread: name resolution ignores socket timeouts
        try:
            socket.create_connection((host, port), timeout=timeout).close()
            error.clear()
        except OSError as exc:
            error[:] = [str(exc) or type(exc).__name__]

    t = threading.Thread(target=probe, daemon=True)
    t.start()
    t.join(timeout + 0.5)
    if error:
        raise SourceUnavailable(
            f"cannot reach the Hugging Face hub at {host}:{port} ({error[0]}): no network "
            "here? Use a local parquet/JSONL copy of the dataset as the source, or set "
            "HF_DATASETS_OFFLINE=1 to fail at once")


def iter_hf(spec: str, options: Mapping[str, str]) -> Iterator[Program | Rejected]:
    check_options(f"hf:{spec}", options, TABLE_OPTIONS - {"batch_rows"} | {"revision"})
    name, config, split = parse_hf_spec(spec)
    check_hub_reachable()
    try:
        import datasets
    except ImportError:
        raise SourceUnavailable("hf: sources need the `datasets` package: "
                                "pip install datasets") from None
    try:
        ds = datasets.load_dataset(name, config, split=split, streaming=True,
                                   revision=options.get("revision") or None)
    except Exception as exc:  # noqa: BLE001 - datasets/hub raise many types
        raise SourceUnavailable(f"hf:{spec}: {type(exc).__name__}: {exc}"[:500]) from exc
    return _rows(ds, f"hf:{spec}", Columns.from_options(options), max_bytes_option(options))


def _rows(ds: object, base: str, cols: Columns, max_bytes: int) -> Iterator[Program | Rejected]:
    rowno = 0
    it = iter(ds)  # type: ignore[call-overload]
    while True:
        try:
            row = next(it)
        except StopIteration:
            return
        except Exception as exc:  # noqa: BLE001 - a dropped connection, a bad shard
            raise SourceUnavailable(f"{base}: stream failed after {rowno} rows: "
                                    f"{type(exc).__name__}: {exc}"[:500]) from exc
        rowno += 1
        yield row_item(row, base, rowno, cols, max_bytes)
