"""Rich Text Format, with striprtf (BSD-3-Clause): control words dropped, text and escapes kept."""

from __future__ import annotations

from desktop_search.core.extract import text
from desktop_search.core.extract.document import ExtractedDocument, ExtractionError


def extract_rtf(data: bytes, name: str) -> ExtractedDocument:
    from striprtf.striprtf import rtf_to_text

    if not data.lstrip().startswith(b"{\\rtf"):
        raise ExtractionError("failed", "not an RTF file (no {\\rtf header)")
    # RTF is 7-bit text; 8-bit bytes are escaped (\'hh) in the document's code page.
    plain: str = rtf_to_text(data.decode("latin-1"), encoding="cp1252", errors="replace")  # type: ignore[no-untyped-call]
    return ExtractedDocument(plain, text.guess_title(plain, name))
