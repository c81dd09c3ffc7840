"""Pytest fixtures for tests that need the real server. Loaded by the top conftest with
`pytest_plugins = ["tests.support.fixtures"]`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.server_process import ServerProcess


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A started `slate server` on a loopback port, with a fresh SQLite database."""
    process = ServerProcess(tmp_path / "server")
    process.start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def school(server: ServerProcess) -> dict[str, Any]:
    """A school on `server`: {"school_id", "name", "enrollment_code"}."""
    return server.add_school("Riverside Primary")
