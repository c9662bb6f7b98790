"""PDF text, page by page, with pypdfium2 (PDFium, the engine of Chrome's PDF viewer).

PDFium is fast, tolerant of broken files and permissively licensed (BSD-3 / Apache-2.0);
it runs in the extraction worker processes, so a file that crashes or hangs it costs
only that worker.
"""

from __future__ import annotations

from typing import Any

from desktop_search.core.extract.document import STATUS_ENCRYPTED, ExtractedDocument, ExtractionError

MAX_PAGES = 10_000
_PASSWORD_ERROR = 4  # FPDF_ERR_PASSWORD
_PAGE_SEPARATOR = "\n\n"


def _page_text(pdf: Any, index: int) -> str:
    page = pdf[index]
    try:
        textpage = page.get_textpage()
        try:
            return str(textpage.get_text_range()).replace("\r\n", "\n").replace("\r", "\n")
        finally:
            textpage.close()
    finally:
        page.close()


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
        unreadable = 0
        for index in range(min(pages, MAX_PAGES)):
            try:
                page_text = _page_text(pdf, index)
            except pdfium.PdfiumError:  # one damaged page must not cost the others
                page_text, unreadable = "", unreadable + 1
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
    elif pages and not text.strip():
        note = "no text layer (scanned pages; text recognition is not supported)"
    return ExtractedDocument(text, title, starts, note=note)
