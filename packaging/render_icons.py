"""Render resources/icons/*.svg to the PNG sizes desktops and installers ask for.

    python packaging/render_icons.py

Writes resources/icons/png/<name>-<size>.png (16 … 512, 1024 for macOS) with Qt's own SVG
renderer, so the PNGs match what the app draws from the SVGs at run time.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
SIZES = {"desktop-search": (16, 24, 32, 48, 64, 128, 256, 512, 1024), "tray-": (16, 22, 24, 32, 48, 64)}


def render(svg: Path, size: int, target: Path) -> None:
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg} is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    if not image.save(str(target)):
        raise SystemExit(f"could not write {target}")


def main() -> int:
    QGuiApplication(sys.argv[:1])
    out = ICONS / "png"
    out.mkdir(exist_ok=True)
    for svg in sorted(ICONS.glob("*.svg")):
        sizes = next(s for prefix, s in SIZES.items() if svg.stem.startswith(prefix))
        for size in sizes:
            render(svg, size, out / f"{svg.stem}-{size}.png")
    print(f"wrote {len(list(out.glob('*.png')))} PNGs to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
