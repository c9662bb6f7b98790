"""Text extraction, pluggable by file extension.

``extract(path)`` returns the document's text (offsets of chunks refer to it) or raises
``ExtractionError`` with a status and a reason a person can read. Formats beyond text-like
files plug in by registering an ``Extractor`` for their extensions.
"""

from __future__ import annotations

import contextvars
import dataclasses
import hashlib
import importlib
from collections.abc import Callable
from pathlib import Path

from desktop_search.core.extract import text
from desktop_search.core.extract.clean import clean_document
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
    "extract_embedded",
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
    from desktop_search.core.extract import html

    decoded = text.decode_text(data, html.declared_charset(data))
    if decoded is None:
        raise ExtractionError("skipped", "binary content")
    title, visible = html.visible_text(decoded)
    return ExtractedDocument(visible, title)


def _on_first_use(module: str, function: str) -> Extractor:
    """An extractor whose module is imported when a file first needs it: files are read in
    the sandbox's worker processes, so the app itself never loads the format parsers
    (e-mail, XML, ZIP, PDFium: ~5 MB of the idle app's memory)."""

    def run(data: bytes, name: str) -> ExtractedDocument:
        found: Extractor = getattr(importlib.import_module(f"{__name__}.{module}"), function)
        return found(data, name)

    run.__qualname__ = f"{module}.{function}"
    return run


_EXTRACTORS: dict[str, Extractor] = {ext: _plain for ext in text.TEXT_EXTENSIONS}
_EXTRACTORS.update({ext: _html for ext in (".html", ".htm", ".xhtml")})
_EXTRACTORS.update(
    {
        ".pdf": _on_first_use("pdf", "extract_pdf"),
        **dict.fromkeys((".docx", ".docm"), _on_first_use("office", "extract_docx")),
        **dict.fromkeys((".pptx", ".pptm"), _on_first_use("office", "extract_pptx")),
        **dict.fromkeys((".xlsx", ".xlsm"), _on_first_use("office", "extract_xlsx")),
        **dict.fromkeys((".doc", ".dot"), _on_first_use("ole", "extract_doc")),
        ".msg": _on_first_use("ole", "extract_msg"),
        **dict.fromkeys((".xls", ".ppt"), _on_first_use("office", "refuse_legacy")),
        **dict.fromkeys((".odt", ".ods", ".odp", ".ott"), _on_first_use("opendocument", "extract_odf")),
        ".epub": _on_first_use("epub", "extract_epub"),
        ".rtf": _on_first_use("rtf", "extract_rtf"),
        ".eml": _on_first_use("mail", "extract_eml"),
        ".mbox": _on_first_use("mail", "extract_mbox"),
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


_TOO_LARGE = "larger than the "


def too_large_reason(max_bytes: int) -> str:
    """Why a file over the size limit was skipped (in the settings' unit, MB of 2**20 bytes)."""
    return f"{_TOO_LARGE}{max_bytes / 2**20:g} MB limit"


def is_too_large(reason: str | None) -> bool:
    """Whether a file was skipped for its size (a higher limit may admit it)."""
    return bool(reason and reason.startswith(_TOO_LARGE))


def extract(path: Path, max_bytes: int) -> ExtractedDocument:
    """Read and extract one file, refusing files over ``max_bytes``; the text is clean
    (``clean.clean_document``) whatever the file held."""
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
        raise ExtractionError("skipped", too_large_reason(max_bytes))
    document = _run(extractor, data, path.name)
    return dataclasses.replace(document, content_hash=hashlib.sha256(data).hexdigest())


MAX_NESTING = 2  # an attachment of a message attached to a message; a document in a zip in a zip
_nesting: contextvars.ContextVar[int] = contextvars.ContextVar("nesting", default=0)


def extract_embedded(data: bytes, name: str) -> ExtractedDocument:
    """A file held inside another (an e-mail attachment), read by the extractor of its name
    at most ``MAX_NESTING`` levels deep; raises ``ExtractionError`` like ``extract``."""
    extractor = extractor_for(Path(name))
    if extractor is None:
        raise ExtractionError("skipped", f"unsupported file type ({Path(name).suffix or 'no extension'})")
    depth = _nesting.get()
    if depth >= MAX_NESTING:
        raise ExtractionError("skipped", f"nested more than {MAX_NESTING} levels deep")
    token = _nesting.set(depth + 1)
    try:
        return _run(extractor, data, name)
    finally:
        _nesting.reset(token)


def _run(extractor: Extractor, data: bytes, name: str) -> ExtractedDocument:
    try:
        return clean_document(extractor(data, name))
    except ExtractionError:
        raise
    except MemoryError as exc:
        raise ExtractionError("failed", "out of memory while extracting") from exc
    except RecursionError as exc:
        raise ExtractionError("failed", "parse error: nested too deeply") from exc
    except Exception as exc:  # a user's file must never crash the indexer
        raise ExtractionError("failed", f"parse error: {type(exc).__name__}: {exc}") from exc
