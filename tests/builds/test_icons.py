"""The icon files the installers use, rendered from resources/icons/slate.svg by the real script."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def test_make_icons_renders_every_size_the_installers_need(tmp_path: Path) -> None:
    Image = pytest.importorskip(
        "PIL.Image", reason="Pillow comes with the `package` extra (make package)"
    )
    subprocess.run(
        [sys.executable, str(REPO / "packaging" / "make_icons.py"), str(tmp_path)],
        check=True, capture_output=True, timeout=120,
    )
    for size in (48, 256):
        with Image.open(tmp_path / f"slate-{size}.png") as png:
            assert png.size == (size, size)
            assert png.mode == "RGBA"
            # Drawn, not blank: the slate's dark board and its transparent corners.
            colours = png.getcolors(maxcolors=size * size)
            assert colours is not None and len(colours) > 10
            assert png.getpixel((0, 0))[3] == 0
            assert png.getpixel((size // 2, size // 3))[3] == 255
    with Image.open(tmp_path / "slate.ico") as ico:
        assert ico.format == "ICO"
        assert {16, 32, 48, 256} <= {w for w, _ in ico.info["sizes"]}
