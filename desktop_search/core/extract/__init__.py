"""Text extraction, pluggable by file extension.

``extract(path)`` returns the document's text (offsets of chunks refer to it) or raises
``ExtractionError`` with a status and a reason a person can read. Formats beyond text-like
files plug in by registering an ``Extractor`` for their extensions.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from desktop_search.core.extract import html, text


@dataclass(frozen=True)
class ExtractedDocument:
    """Plain text of a file, its title if it has one, and page starts where known."""

    text: str
    title: str | None = None
    page_starts: list[int] = field(default_factory=list)
    content_hash: str = ""  # sha256 of the file's bytes, set by ``extract``


class ExtractionError(Exception):
    """A file that could not be extracted: ``status`` is 'failed' or 'skipped'."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


Extractor = Callable[[bytes, str], ExtractedDocument]


def _plain(data: bytes, name: str) -> ExtractedDocument:
    decoded = text.decode_text(data)
    if decoded is None:
        raise ExtractionError("skipped", "binary content")
    return ExtractedDocument(decoded, text.guess_title(decoded, name))


def _html(data: bytes, name: str) -> ExtractedDocument:
    decoded = text.decode_text(data)
    if decoded is None:
        raise ExtractionError("skipped", "binary content")
    title, visible = html.visible_text(decoded)
    return ExtractedDocument(visible, title)


_EXTRACTORS: dict[str, Extractor] = {ext: _plain for ext in text.TEXT_EXTENSIONS}
_EXTRACTORS.update({ext: _html for ext in (".html", ".htm", ".xhtml")})


def register_extractor(extensions: list[str], extractor: Extractor) -> None:
    """Plug in an extractor for more extensions (lower case, with the dot)."""
    for ext in extensions:
        _EXTRACTORS[ext.lower()] = extractor


def extractor_for(path: Path) -> Extractor | None:
    """The extractor for a path, by extension or well-known file name; None if unsupported."""
    found = _EXTRACTORS.get(path.suffix.lower())
    if found is None and path.name.lower() in text.TEXT_FILE_NAMES:
        found = _plain
    return found


def is_supported(path: Path) -> bool:
    return extractor_for(path) is not None


def extract(path: Path, max_bytes: int) -> ExtractedDocument:
    """Read and extract one file, refusing files over ``max_bytes``."""
    extractor = extractor_for(path)
    if extractor is None:
        raise ExtractionError("skipped", f"unsupported file type ({path.suffix or 'no extension'})")
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except PermissionError as exc:
        raise ExtractionError("failed", "permission denied") from exc
    except FileNotFoundError as exc:
        raise ExtractionError("failed", "file vanished while indexing") from exc
    except OSError as exc:
        raise ExtractionError("failed", f"cannot read: {exc.strerror or exc}") from exc
    if len(data) > max_bytes:
        raise ExtractionError("skipped", f"larger than the {max_bytes / 1e6:.0f} MB limit")
    try:
        document = extractor(data, path.name)
        return dataclasses.replace(document, content_hash=hashlib.sha256(data).hexdigest())
    except ExtractionError:
        raise
    except Exception as exc:  # a user's file must never crash the indexer
        raise ExtractionError("failed", f"parse error: {type(exc).__name__}: {exc}") from exc
