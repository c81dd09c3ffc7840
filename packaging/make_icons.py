"""Render resources/icons/slate.svg into the icon files the installers need.

    python packaging/make_icons.py OUT_DIR

writes OUT_DIR/slate-256.png (the Linux desktop icon, hicolor 256x256), OUT_DIR/slate-48.png and
OUT_DIR/slate.ico (Windows: 16 to 256 px in one file). Qt draws the SVG (it is already a
dependency); Pillow writes the multi-size ICO, which Qt's own ICO writer cannot.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SVG = REPO / "resources" / "icons" / "slate.svg"
ICO_SIZES = [16, 24, 32, 48, 64, 128, 256]


def render_png(svg: Path, size: int, out: Path) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        sys.exit(f"make_icons: {svg} is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    if not image.save(str(out), "PNG"):
        sys.exit(f"make_icons: cannot write {out}")


def main() -> int:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out_dir = Path(sys.argv[1])
    out_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    _app = QGuiApplication(sys.argv[:1])
    for size in (48, 256):
        render_png(SVG, size, out_dir / f"slate-{size}.png")

    from PIL import Image

    with Image.open(out_dir / "slate-256.png") as big:
        big.save(out_dir / "slate.ico", sizes=[(s, s) for s in ICO_SIZES])
    print(f"make_icons: wrote slate-48.png, slate-256.png and slate.ico in {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
