"""Reading members of ZIP-based documents (OOXML, OpenDocument, EPUB) without trusting them.

A document is refused before anything is inflated when its central directory promises too
many members, too many bytes in all or a compression ratio no real document has, and while
inflating when a member turns out larger than its header said. Archives inside the document
(embedded objects) are never opened, so nesting cannot multiply any of these limits.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass

from desktop_search.core.extract.document import ExtractionError

_READ_BLOCK = 1 << 16


@dataclass(frozen=True)
class ArchiveLimits:
    """Caps for one document; generous for real files, fatal for zip bombs."""

    max_members: int = 20_000
    max_total_bytes: int = 512 * 1024 * 1024  # all members as the directory declares them
    max_member_bytes: int = 128 * 1024 * 1024  # one member, as actually inflated
    max_ratio: float = 200.0  # uncompressed / compressed, for members over ``ratio_floor``
    ratio_floor: int = 1024 * 1024


class SafeZip:
    """The members of a ZIP document, read within ``ArchiveLimits``."""

    def __init__(self, data: bytes, limits: ArchiveLimits | None = None) -> None:
        self.limits = limits or ArchiveLimits()
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            raise ExtractionError("failed", f"corrupt archive: {exc}") from exc
        if len(infos) > self.limits.max_members:
            raise ExtractionError("failed", f"archive bomb: {len(infos):,} members")
        declared = sum(info.file_size for info in infos)
        if declared > self.limits.max_total_bytes:
            raise ExtractionError("failed", f"archive bomb: {declared / 2**20:,.0f} MB uncompressed")
        for info in infos:
            if info.file_size > self.limits.ratio_floor and (
                info.file_size > self.limits.max_ratio * max(info.compress_size, 1)
            ):
                ratio = info.file_size / max(info.compress_size, 1)
                raise ExtractionError("failed", f"archive bomb: {info.filename} inflates {ratio:,.0f}x")
        self._infos = {info.filename: info for info in infos}
        self._inflated = 0

    def names(self) -> list[str]:
        return list(self._infos)

    def has(self, name: str) -> bool:
        return name in self._infos

    def is_encrypted(self, name: str) -> bool:
        return bool(self._infos[name].flag_bits & 0x1)

    def read(self, name: str) -> bytes:
        """A member's bytes; its real inflated size is checked as it is read."""
        info = self._infos.get(name)
        if info is None:
            raise ExtractionError("failed", f"corrupt document: {name} is missing")
        if info.flag_bits & 0x1:
            raise ExtractionError("encrypted", f"{name} is encrypted")
        out = bytearray()
        try:
            with self._zip.open(info) as member:
                while block := member.read(_READ_BLOCK):
                    out += block
                    self._inflated += len(block)
                    limits = self.limits
                    if len(out) > limits.max_member_bytes or self._inflated > limits.max_total_bytes:
                        raise ExtractionError("failed", f"archive bomb: {name} inflates past its limit")
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError) as exc:
            raise ExtractionError("failed", f"corrupt archive member {name}: {exc}") from exc
        return bytes(out)
