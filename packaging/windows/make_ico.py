"""Pack resources/icons/png/desktop-search-<size>.png into one Windows .ico.

    python packaging/windows/make_ico.py build/icons/desktop-search.ico

An .ico may hold PNG images as they are (Windows Vista and later), so no image library is
needed: a 6-byte header, a 16-byte entry per image, then the PNG files.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

PNG_DIR = Path(__file__).resolve().parents[2] / "resources" / "icons" / "png"
SIZES = (16, 24, 32, 48, 64, 128, 256)  # what Explorer, the taskbar and the installer ask for


def ico_bytes(images: dict[int, bytes]) -> bytes:
    """An .ico holding each ``size -> PNG bytes`` image."""
    header = struct.pack("<HHH", 0, 1, len(images))  # reserved, type 1 = icon, count
    offset = len(header) + 16 * len(images)
    entries, payload = b"", b""
    for size, png in sorted(images.items()):
        dimension = 0 if size >= 256 else size  # 0 means 256 in an icon directory
        entries += struct.pack(
            "<BBBBHHII", dimension, dimension, 0, 0, 1, 32, len(png), offset + len(payload)
        )
        payload += png
    return header + entries + payload


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    target = Path(argv[0])
    target.parent.mkdir(parents=True, exist_ok=True)
    images = {size: (PNG_DIR / f"desktop-search-{size}.png").read_bytes() for size in SIZES}
    target.write_bytes(ico_bytes(images))
    print(f"{target} ({len(images)} sizes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
