"""Fixtures for the package-format tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture
def package(tmp_path: Path, demo_dir: Path) -> Path:
    """A writable copy of the demo course."""
    dest = tmp_path / "pkg"
    shutil.copytree(demo_dir, dest)
    return dest
