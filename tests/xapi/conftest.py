from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.server_process import ServerProcess

PUBLIC_URL = "https://slate.district.example"
READER = ("reporting", "correct horse battery staple")
XAPI_HEADERS = {
    "X-Experience-API-Version": "1.0.3",
    "Authorization": "Basic " + base64.b64encode(":".join(READER).encode()).decode(),
}


@pytest.fixture
def xapi_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ServerProcess]:
    """The real server, configured as a district would: a public URL and a reader account."""
    monkeypatch.setenv("SLATE_SERVER_PUBLIC_URL", PUBLIC_URL)
    monkeypatch.setenv("SLATE_XAPI_USER", READER[0])
    monkeypatch.setenv("SLATE_XAPI_PASSWORD", READER[1])
    process = ServerProcess(tmp_path / "server")
    process.start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def school(xapi_server: ServerProcess) -> dict[str, Any]:
    return xapi_server.add_school("Riverside Primary")


@pytest.fixture
def lrs(xapi_server: ServerProcess) -> Iterator[httpx.Client]:
    """A reader's HTTP client on the server's root (xAPI lives at /xapi, not /api/v1)."""
    with httpx.Client(base_url=xapi_server.url, headers=XAPI_HEADERS, timeout=30.0) as client:
        yield client
