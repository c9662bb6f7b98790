"""OpenDocument text, spreadsheets and presentations (LibreOffice's .odt/.ods/.odp).

``content.xml`` holds the text as mixed content: paragraphs and headings, spans, spaces
written as ``<text:s text:c="3"/>``, tabs and line breaks; presentation pages are pages.
A password-protected document lists encryption data in its manifest.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from desktop_search.core.extract.document import STATUS_ENCRYPTED, ExtractedDocument, ExtractionError
from desktop_search.core.extract.safezip import SafeZip
from desktop_search.core.extract.xmltext import first_text, local, parse, walk_text

_BLOCKS = {"p", "h", "list-item", "table-row", "frame"}


def _text(root: ET.Element, page_starts: list[int] | None = None) -> str:
    cells = [0]

    def start(node: ET.Element, out: list[str]) -> None:
        tag = local(node.tag)
        if tag == "s":
            count = next((v for k, v in node.attrib.items() if local(k) == "c"), "1")
            out.append(" " * min(int(count) if count.isdigit() else 1, 100))
        elif tag == "tab":
            out.append("\t")
        elif tag == "line-break":
            out.append("\n")
        elif tag == "table-cell":
            cells[0] += 1
        elif tag == "page" and page_starts is not None:  # draw:page, a slide
            if out and not out[-1].endswith("\n\n"):
                out.append("\n\n")
            page_starts.append(sum(len(part) for part in out))

    def end(node: ET.Element, out: list[str]) -> None:
        tag = local(node.tag)
        if tag == "table-cell":
            cells[0] -= 1
            out.append("\t")
        elif tag in ("p", "h") and cells[0]:
            out.append(" ")
        elif tag in _BLOCKS:
            out.append("\n")

    return walk_text(root, start, end, text_of=lambda n: local(n.tag) not in ("annotation",))


def extract_odf(data: bytes, name: str) -> ExtractedDocument:
    archive = SafeZip(data)
    if archive.has("META-INF/manifest.xml"):
        manifest = archive.read("META-INF/manifest.xml")
        if b"encryption-data" in manifest:
            raise ExtractionError(STATUS_ENCRYPTED, "password-protected OpenDocument file")
    if not archive.has("content.xml"):
        raise ExtractionError("failed", "corrupt document: no content.xml")
    content = parse(archive.read("content.xml"), "content.xml")
    body = next((n for n in content if local(n.tag) == "body"), content)
    starts: list[int] = []
    text = _text(body, starts if name.lower().endswith((".odp", ".otp")) else None)
    title = None
    if archive.has("meta.xml"):
        title = first_text(parse(archive.read("meta.xml"), "meta.xml"), "title")
    return ExtractedDocument(text, title, starts)
