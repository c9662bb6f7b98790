"""Text extraction, pluggable by file extension.

``extract(path)`` returns the document's text (offsets of chunks refer to it) or raises
``ExtractionError`` with a status and a reason a person can read. Formats beyond text-like
files plug in by registering an ``Extractor`` for their extensions.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from pathlib import Path

from desktop_search.core.extract import epub, html, mail, office, opendocument, pdf, rtf, text
from desktop_search.core.extract.document import (
    STATUS_ENCRYPTED,
    STATUS_FAILED,
    STATUS_SKIPPED,
    ExtractedDocument,
    ExtractionError,
)

__all__ = [
    "STATUS_ENCRYPTED",
    "STATUS_FAILED",
    "STATUS_SKIPPED",
    "ExtractedDocument",
    "ExtractionError",
    "extract",
    "extractor_for",
    "is_supported",
    "register_extractor",
]


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
_EXTRACTORS.update(
    {
        ".pdf": pdf.extract_pdf,
        ".docx": office.extract_docx,
        ".docm": office.extract_docx,
        ".pptx": office.extract_pptx,
        ".pptm": office.extract_pptx,
        ".xlsx": office.extract_xlsx,
        ".xlsm": office.extract_xlsx,
        ".doc": office.refuse_legacy,
        ".xls": office.refuse_legacy,
        ".ppt": office.refuse_legacy,
        ".odt": opendocument.extract_odf,
        ".ods": opendocument.extract_odf,
        ".odp": opendocument.extract_odf,
        ".ott": opendocument.extract_odf,
        ".epub": epub.extract_epub,
        ".rtf": rtf.extract_rtf,
        ".eml": mail.extract_eml,
        ".mbox": mail.extract_mbox,
    }
)


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
    except MemoryError as exc:
        raise ExtractionError("failed", "out of memory while extracting") from exc
    except RecursionError as exc:
        raise ExtractionError("failed", "parse error: nested too deeply") from exc
    except Exception as exc:  # a user's file must never crash the indexer
        raise ExtractionError("failed", f"parse error: {type(exc).__name__}: {exc}") from exc
