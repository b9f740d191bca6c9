"""Shared fixtures: Prefect points at a temporary PREFECT_HOME, never the user's."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Set before any test imports prefect: its settings are read at import time.
_PREFECT_HOME = Path(tempfile.mkdtemp(prefix="tolk-test-prefect-"))
os.environ["PREFECT_HOME"] = str(_PREFECT_HOME)
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ["PREFECT_API_URL"] = ""
# Every test draws its inputs afresh (determinism tests would otherwise compare a cache
# with itself) and none writes to the user's cache; tests/test_input_cache.py sets its own.
os.environ["TOLK_INPUT_CACHE"] = "off"

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "data" / "seed"


@pytest.fixture(scope="session")
def prefect_harness():
    """A real Prefect server on a temporary database for the whole session."""
    from prefect.testing.utilities import prefect_test_harness

    # The first start runs database migrations: allow it a generous timeout.
    with prefect_test_harness(server_startup_timeout=180):
        yield
