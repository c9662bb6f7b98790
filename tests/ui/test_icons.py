"""The app's and the tray's icons come from ``resources/icons``: the rendered PNGs at small
sizes, the SVG at any other; a stock icon where the resources are missing."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QIcon, QImage

from desktop_search.ui.icons import TRAY_STATES, app_icon, tray_icon

ICONS = Path(__file__).resolve().parents[2] / "resources" / "icons"


def _image(icon: QIcon, size: int) -> QImage:
    return icon.pixmap(size).toImage().convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)


def _png(stem: str, size: int) -> QImage:
    image = QImage(str(ICONS / "png" / f"{stem}-{size}.png"))
    assert not image.isNull()
    return image.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)


@pytest.fixture
def fresh_icons() -> Iterator[None]:
    """Icons loaded again for this test (they are cached for the app's life), and afterwards."""
    app_icon.cache_clear()
    tray_icon.cache_clear()
    yield
    app_icon.cache_clear()
    tray_icon.cache_clear()


def test_small_sizes_are_the_rendered_pngs_and_large_ones_are_drawn(qapp, fresh_icons: None) -> None:
    icon = app_icon()
    for size in (16, 24, 48):
        assert _image(icon, size) == _png("desktop-search", size), size  # crisp, not scaled
    assert icon.pixmap(512).size().width() == 512  # drawn from the SVG, not a 256 px PNG blown up


def test_each_tray_state_has_its_own_icon(qapp, fresh_icons: None) -> None:
    images = {state: _image(tray_icon(state), 22) for state in TRAY_STATES}
    for state, image in images.items():
        assert image == _png(f"tray-{state}", 22), state
    assert len({bytes(image.constBits()) for image in images.values()}) == len(TRAY_STATES)
    with pytest.raises(ValueError, match="unknown tray state"):
        tray_icon("sleeping")


def test_without_its_resources_the_app_still_has_an_icon(
    qapp, fresh_icons: None, monkeypatch, tmp_path: Path
) -> None:
    """A frozen app looks in its bundle (``sys._MEIPASS``); an empty one has no icons."""
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert not app_icon().isNull() and not app_icon().pixmap(32).isNull()
    assert not tray_icon("error").isNull()
