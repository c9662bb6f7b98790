"""The Windows icon packed from the PNGs: every size readable by Qt's ICO reader."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from PySide6.QtGui import QImageReader

ROOT = Path(__file__).resolve().parents[2]


def test_ico_holds_every_size_as_a_readable_image(qapp, tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_ico", ROOT / "packaging" / "windows" / "make_ico.py")
    assert spec and spec.loader
    make_ico = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_ico)
    target = tmp_path / "app.ico"
    assert make_ico.main([str(target)]) == 0

    reader = QImageReader(str(target))
    assert reader.canRead() and reader.imageCount() == len(make_ico.SIZES)
    sizes = []
    for index in range(reader.imageCount()):
        reader.jumpToImage(index)
        image = reader.read()
        assert not image.isNull(), reader.errorString()
        assert image.width() == image.height()
        sizes.append(image.width())
    assert sorted(sizes) == sorted(make_ico.SIZES)
