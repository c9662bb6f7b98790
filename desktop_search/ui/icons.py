"""The app's icons from ``resources/icons`` (SVG, with rendered PNGs for small sizes)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QStyle

from desktop_search.core.paths import bundled_resources_dir

TRAY_STATES = ("idle", "indexing", "paused", "error")
LARGEST_PNG = 256  # 512 and 1024 are for installers; a window manager asking for every size
# would keep them decoded (5 MB); the SVG draws anything larger


def _size_of(png: Path) -> int:
    return int(png.stem.rsplit("-", 1)[1])


def _load(stem: str) -> QIcon:
    folder = bundled_resources_dir() / "icons"
    icon = QIcon()
    for png in sorted((folder / "png").glob(f"{stem}-*.png"), key=_size_of):
        if _size_of(png) <= LARGEST_PNG:
            icon.addFile(str(png))  # crisp small sizes (tray: 16-24 px)
    svg = folder / f"{stem}.svg"
    if svg.exists():
        icon.addFile(str(svg))  # any other size, HiDPI included
    if icon.isNull():  # running from an install without resources: a stock icon, not nothing
        return QApplication.style().standardIcon(QStyle.StandardPixmap.SP_FileDialogContentsView)
    return icon


@cache
def app_icon() -> QIcon:
    return _load("desktop-search")


@cache
def tray_icon(state: str) -> QIcon:
    if state not in TRAY_STATES:
        raise ValueError(f"unknown tray state {state!r}")
    return _load(f"tray-{state}")
