"""PDF text, page by page, with pypdfium2 (PDFium, the engine of Chrome's PDF viewer).

PDFium is fast, tolerant of broken files and permissively licensed (BSD-3 / Apache-2.0);
it runs in the extraction worker processes, so a file that crashes or hangs it costs
only that worker.
"""

from __future__ import annotations

from typing import Any

from desktop_search.core.extract.clean import clean_text, looks_garbled
from desktop_search.core.extract.document import STATUS_ENCRYPTED, ExtractedDocument, ExtractionError

MAX_PAGES = 10_000
MAX_ANNOTATIONS = 2_000  # per page
_PASSWORD_ERROR = 4  # FPDF_ERR_PASSWORD
_PAGE_SEPARATOR = "\n\n"


def _page_text(pdf: Any, index: int) -> str:
    """The page's text, with what its annotations show: form field values, stamps and
    signatures (their appearance, flattened into the page) and comments' notes."""
    import pypdfium2.raw as pdfium_c

    page = pdf[index]
    try:
        notes: list[str] = []
        if pdfium_c.FPDFPage_GetAnnotCount(page.raw) > 0:
            notes = _annotation_notes(page)
            if pdfium_c.FPDFPage_Flatten(page.raw, pdfium_c.FLAT_NORMALDISPLAY) == pdfium_c.FLATTEN_SUCCESS:
                page.close()  # flattening invalidates the page's loaded content
                page = pdf[index]
        textpage = page.get_textpage()
        try:
            text = str(textpage.get_text_range()).replace("\r\n", "\n").replace("\r", "\n")
        finally:
            textpage.close()
    finally:
        page.close()
    shown = " ".join(text.split())
    extra = [note for note in notes if " ".join(note.split()) not in shown]
    return "\n".join([text, *extra]) if extra else text


def _annotation_notes(page: Any) -> list[str]:
    """The /Contents of a page's annotations (a sticky note's text, a comment on a highlight)."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    notes: list[str] = []
    for index in range(min(pdfium_c.FPDFPage_GetAnnotCount(page.raw), MAX_ANNOTATIONS)):
        annotation = pdfium_c.FPDFPage_GetAnnot(page.raw, index)
        if not annotation:
            continue
        try:
            size = pdfium_c.FPDFAnnot_GetStringValue(annotation, b"Contents", None, 0)
            if size <= 2:  # an empty UTF-16 string is its terminator alone
                continue
            buffer = ctypes.create_string_buffer(size)
            pointer = ctypes.cast(buffer, ctypes.POINTER(pdfium_c.FPDF_WCHAR))
            pdfium_c.FPDFAnnot_GetStringValue(annotation, b"Contents", pointer, size)
            note = buffer.raw[: size - 2].decode("utf-16-le", errors="replace").strip()
            if note and note not in notes:
                notes.append(note)
        finally:
            pdfium_c.FPDFPage_CloseAnnot(annotation)
    return notes


def extract_pdf(data: bytes, name: str) -> ExtractedDocument:
    """Text of every page (up to ``MAX_PAGES``), where each page starts, and the title."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) == _PASSWORD_ERROR or "password" in str(exc).lower():
            raise ExtractionError(STATUS_ENCRYPTED, "password-protected PDF") from exc
        raise ExtractionError("failed", f"not a readable PDF ({exc})") from exc
    try:
        parts: list[str] = []
        starts: list[int] = []
        position = 0
        pages = len(pdf)
        unreadable = garbled = 0
        for index in range(min(pages, MAX_PAGES)):
            try:
                page_text = _page_text(pdf, index)
            except pdfium.PdfiumError:  # one damaged page must not cost the others
                page_text, unreadable = "", unreadable + 1
            if looks_garbled(clean_text(page_text)):  # junk, not words: left for recognition
                page_text, garbled = "", garbled + 1
            starts.append(position)
            parts.append(page_text)
            position += len(page_text) + len(_PAGE_SEPARATOR)
        title = (pdf.get_metadata_dict().get("Title") or "").strip() or None
    finally:
        pdf.close()
    note = f"only the first {MAX_PAGES:,} of {pages:,} pages" if pages > MAX_PAGES else None
    text = _PAGE_SEPARATOR.join(parts)
    if unreadable:
        if unreadable == min(pages, MAX_PAGES):
            raise ExtractionError("failed", "damaged PDF: no page could be read")
        note = f"{unreadable} damaged page(s) could not be read"
    elif garbled:
        note = f"garbled text layer on {garbled:,} of {pages:,} page(s) (text recognition is not supported)"
    elif pages and not text.strip():
        note = "no text layer (scanned pages; text recognition is not supported)"
    return ExtractedDocument(text, title, starts, note=note)
