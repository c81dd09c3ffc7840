"""Finding the classroom hub by mDNS (`_slate._tcp.local.`) on the loopback interface.

Skipped with the reason where the sandbox gives no multicast sockets.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from sync.discovery import SERVICE_TYPE, Advertisement, discover_servers
from tests.support.server_process import REPO_ROOT, ServerProcess, free_port

LOOPBACK = ["127.0.0.1"]


@pytest.fixture(autouse=True)
def _multicast() -> None:
    from zeroconf import IPVersion, Zeroconf

    try:
        Zeroconf(interfaces=LOOPBACK, ip_version=IPVersion.V4Only).close()
    except OSError as exc:
        pytest.skip(f"no multicast sockets here ({exc}); mDNS discovery cannot be tried")


def test_an_advertised_hub_is_found_with_its_address() -> None:
    name = f"Room {uuid.uuid4().hex[:8]} hub"
    port = free_port()
    with Advertisement(name, port, LOOPBACK, interfaces=LOOPBACK) as advertisement:
        assert advertisement.info.type == SERVICE_TYPE
        found = {s.name: s for s in discover_servers(2.0, interfaces=LOOPBACK)}
    assert name in found, found
    assert found[name].url == f"http://127.0.0.1:{port}"
    assert found[name].hub
    # Withdrawn when the hub stops: a laptop no longer finds it.
    assert name not in {s.name for s in discover_servers(1.5, interfaces=LOOPBACK)}


def test_slate_sync_discover_finds_the_running_hub_and_syncs_with_it(tmp_path: Path) -> None:
    with ServerProcess(tmp_path / "district") as district:
        code = district.add_school("Lakeside School")["enrollment_code"]
        hub_name = f"Hub {uuid.uuid4().hex[:8]}"
        hub = ServerProcess(
            tmp_path / "hub",
            extra_args=[
                "--hub", "--upstream", district.url, "--enroll-code", code,
                "--hub-name", hub_name,
            ],
        )  # fmt: skip
        with hub:
            done = subprocess.run(
                [
                    sys.executable, "-m", "app.cli", "sync", "--discover",
                    "--enroll-code", code, "--data-dir", str(tmp_path / "laptop"),
                ],
                cwd=REPO_ROOT,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["server"] == hub.url
    assert {"name": hub_name, "url": hub.url, "hub": True} in report["discovered"]


def test_slate_sync_discover_says_when_nothing_answers(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable, "-m", "app.cli", "sync", "--discover", "--discover-timeout", "0.5",
            "--data-dir", str(tmp_path / "laptop"),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )  # fmt: skip
    report = json.loads(done.stdout.strip().splitlines()[-1])
    if report.get("discovered"):
        pytest.skip(f"another Slate server is advertised on this machine: {report['discovered']}")
    assert done.returncode == 3, done.stdout + done.stderr
    assert report["ok"] is False and "--server http://HOST:PORT" in report["error"]
