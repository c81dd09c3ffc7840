"""Fixtures for the care-of-the-data tests."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

SMALL_DISK_SIZE = "3m"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real, tiny filesystem (tmpfs) mounted for the test, unmounted after."""
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a size-limited tmpfs")
    mount_point = tmp_path / "small"
    mount_point.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={SMALL_DISK_SIZE}", "tmpfs", str(mount_point)],
        capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"mount is not permitted here: {done.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill_disk(mount_point: Path, leave_bytes: int) -> Path:
    """Take up the filesystem but for `leave_bytes`, as other files would; returns the ballast
    file (delete it to free the space)."""
    ballast = mount_point / "ballast"
    with open(ballast, "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 65536)
        except OSError:
            pass
    os.truncate(ballast, max(ballast.stat().st_size - leave_bytes, 0))
    return ballast
