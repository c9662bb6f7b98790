"""Word, PowerPoint and Excel files (Office Open XML), read as the ZIP of XML parts they are.

The standard library (``zipfile`` through ``SafeZip``, ``ElementTree``) is all this needs:
the text lives in a handful of documented parts, and reading them directly keeps control
of every size limit. Slides are pages (results say which slide). Encrypted Office files
are not ZIPs but OLE containers with an ``EncryptionInfo`` stream; legacy binary formats
(.doc, .xls, .ppt) have no maintained permissively licensed extractor and are recorded as
unsupported.
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET

from desktop_search.core.extract.document import (
    STATUS_ENCRYPTED,
    STATUS_SKIPPED,
    ExtractedDocument,
    ExtractionError,
)
from desktop_search.core.extract.safezip import SafeZip
from desktop_search.core.extract.xmltext import first_text, local, parse, walk_text

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")
MAX_CELLS = 200_000
_NUMBERED = re.compile(r"(\d+)\.xml$")


def _open(data: bytes, kind: str) -> SafeZip:
    if data.startswith(OLE_MAGIC):
        if _ENCRYPTION_STREAM in data:
            raise ExtractionError(STATUS_ENCRYPTED, f"password-protected {kind} file")
        raise ExtractionError(STATUS_SKIPPED, "unsupported (legacy format under a new extension)")
    return SafeZip(data)


def _title(archive: SafeZip) -> str | None:
    if not archive.has("docProps/core.xml"):
        return None
    return first_text(parse(archive.read("docProps/core.xml"), "docProps/core.xml"), "title")


def _numbered(names: list[str], folder: str) -> list[str]:
    numbered = {}
    for name in names:
        found = _NUMBERED.search(name)
        if found and name.startswith(folder) and name.count("/") == folder.count("/"):
            numbered[name] = int(found.group(1))
    return sorted(numbered, key=numbered.__getitem__)


def _paragraph_text(root: ET.Element) -> str:
    """Text of w:t / a:t runs with paragraph, tab and line breaks (DOCX and DrawingML).

    In a table, a cell's paragraphs join with spaces, cells with tabs, rows with newlines."""
    cells = [0]

    def start(node: ET.Element, out: list[str]) -> None:
        tag = local(node.tag)
        if tag == "tab":
            out.append("\t")
        elif tag in ("br", "cr"):
            out.append("\n")
        elif tag == "tc":
            cells[0] += 1

    def end(node: ET.Element, out: list[str]) -> None:
        tag = local(node.tag)
        if tag == "p":
            out.append(" " if cells[0] else "\n")
        elif tag == "tc":
            cells[0] -= 1
            out.append("\t")
        elif tag == "tr":
            out.append("\n")

    return walk_text(root, start, end, text_of=lambda n: local(n.tag) == "t", tails=False)


def extract_docx(data: bytes, name: str) -> ExtractedDocument:
    archive = _open(data, "Word")
    names = archive.names()
    parts = ["word/document.xml"]
    parts += sorted(n for n in names if re.fullmatch(r"word/(header|footer)\d*\.xml", n))
    parts += [n for n in ("word/footnotes.xml", "word/endnotes.xml", "word/comments.xml") if n in names]
    texts = [_paragraph_text(parse(archive.read(part), part)) for part in parts]
    return ExtractedDocument("\n".join(t.strip("\n") for t in texts if t.strip()), _title(archive))


def _slide_notes(archive: SafeZip, slide: str) -> str | None:
    rels = posixpath.join(posixpath.dirname(slide), "_rels", posixpath.basename(slide) + ".rels")
    if not archive.has(rels):
        return None
    for rel in parse(archive.read(rels), rels):
        if rel.get("Type", "").endswith("/notesSlide"):
            target = posixpath.normpath(posixpath.join(posixpath.dirname(slide), rel.get("Target", "")))
            if archive.has(target):
                return _paragraph_text(parse(archive.read(target), target))
    return None


def extract_pptx(data: bytes, name: str) -> ExtractedDocument:
    """Each slide's text then its speaker notes; every slide is a page."""
    archive = _open(data, "PowerPoint")
    parts: list[str] = []
    starts: list[int] = []
    position = 0
    for slide in _numbered(archive.names(), "ppt/slides/slide"):
        text = _paragraph_text(parse(archive.read(slide), slide)).strip()
        notes = _slide_notes(archive, slide)
        if notes and notes.strip():
            text += "\n\nNotes: " + notes.strip()
        starts.append(position)
        parts.append(text)
        position += len(text) + 2
    return ExtractedDocument("\n\n".join(parts), _title(archive), starts)


def _shared_strings(archive: SafeZip) -> list[str]:
    if not archive.has("xl/sharedStrings.xml"):
        return []
    root = parse(archive.read("xl/sharedStrings.xml"), "xl/sharedStrings.xml")
    return ["".join(t.text or "" for t in item.iter() if local(t.tag) == "t") for item in root]


def _sheet_names(archive: SafeZip) -> dict[str, str]:
    """Worksheet part -> sheet name, in workbook order."""
    if not (archive.has("xl/workbook.xml") and archive.has("xl/_rels/workbook.xml.rels")):
        return {}
    rels = {}
    for rel in parse(archive.read("xl/_rels/workbook.xml.rels"), "workbook rels"):
        target = rel.get("Target", "")
        rels[rel.get("Id")] = target[1:] if target.startswith("/") else posixpath.normpath(f"xl/{target}")
    sheets = {}
    for node in parse(archive.read("xl/workbook.xml"), "xl/workbook.xml").iter():
        if local(node.tag) == "sheet":
            rid = next((v for k, v in node.attrib.items() if local(k) == "id"), None)
            if rid in rels:
                sheets[rels[rid]] = node.get("name", "")
    return sheets


def extract_xlsx(data: bytes, name: str) -> ExtractedDocument:
    """Cell text, row by row and sheet by sheet, up to ``MAX_CELLS`` cells."""
    archive = _open(data, "Excel")
    strings = _shared_strings(archive)
    names = _sheet_names(archive)
    sheets = [n for n in names if archive.has(n)] or _numbered(archive.names(), "xl/worksheets/sheet")
    out: list[str] = []
    cells = 0
    for sheet in sheets:
        out.append(f"{names.get(sheet) or posixpath.basename(sheet)}\n")
        for row in parse(archive.read(sheet), sheet).iter():
            if local(row.tag) != "row":
                continue
            values = []
            for cell in row:
                if local(cell.tag) != "c":
                    continue
                cells += 1
                kind = cell.get("t")
                if kind == "inlineStr":
                    values.append("".join(t.text or "" for t in cell.iter() if local(t.tag) == "t"))
                    continue
                value = next((v.text for v in cell if local(v.tag) == "v"), None)
                if value is None:
                    continue
                if kind == "s":
                    index = int(value) if value.isdigit() else -1
                    values.append(strings[index] if 0 <= index < len(strings) else "")
                else:
                    values.append(value)
            if any(v.strip() for v in values):
                out.append("\t".join(values) + "\n")
            if cells >= MAX_CELLS:
                note = f"only the first {MAX_CELLS:,} cells"
                return ExtractedDocument("".join(out), _title(archive), note=note)
    return ExtractedDocument("".join(out), _title(archive))


def refuse_legacy(data: bytes, name: str) -> ExtractedDocument:
    if data.startswith(OLE_MAGIC) and _ENCRYPTION_STREAM in data:
        raise ExtractionError(STATUS_ENCRYPTED, "password-protected Office file")
    raise ExtractionError(STATUS_SKIPPED, "unsupported (legacy format)")
