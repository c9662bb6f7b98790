"""The app's icons from ``resources/icons`` (SVG, with rendered PNGs for small sizes)."""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QStyle

from desktop_search.paths import bundled_resources_dir

TRAY_STATES = ("idle", "indexing", "paused", "error")


def _load(stem: str) -> QIcon:
    folder = bundled_resources_dir() / "icons"
    icon = QIcon()
    for png in sorted((folder / "png").glob(f"{stem}-*.png")):
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
