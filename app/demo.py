"""The bundled demo course and where Slate's resources live."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ENV_RESOURCES = "SLATE_RESOURCES"


def resources_dir() -> Path:
    if os.environ.get(ENV_RESOURCES):
        return Path(os.environ[ENV_RESOURCES])
    frozen = getattr(sys, "_MEIPASS", None)  # a PyInstaller build unpacks resources here
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def demo_course_dir() -> Path:
    return resources_dir() / "demo-course"
