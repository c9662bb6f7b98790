"""Word, PowerPoint and Excel files (Office Open XML), read as the ZIP of XML parts they are.

The standard library (``zipfile`` through ``SafeZip``, ``ElementTree``) is all this needs:
the text lives in a handful of documented parts, and reading them directly keeps control
of every size limit. Slides are pages (results say which slide). Encrypted Office files
are not ZIPs but OLE containers with an ``EncryptionInfo`` stream; legacy .doc is read by
``ole.py``, and .xls and .ppt (no maintained permissively licensed extractor) are recorded
as unsupported.
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from desktop_search.core.extract.document import (
    STATUS_ENCRYPTED,
    STATUS_SKIPPED,
    ExtractedDocument,
    ExtractionError,
)
from desktop_search.core.extract.safezip import SafeZip
from desktop_search.core.extract.xmltext import first_text, local, parse, walk_text

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_STREAM = "encryptioninfo".encode("utf-16-le")  # compared lower-cased: any spelling
MAX_CELLS = 200_000
_NUMBERED = re.compile(r"(\d+)\.xml$")
_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)*(?:[eE][-+]?\d+)?%?")


def _open(data: bytes, kind: str) -> SafeZip:
    if data.startswith(OLE_MAGIC):
        if _is_encrypted_ole(data):
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


def related_parts(archive: SafeZip, part: str, kind: str) -> list[str]:
    """The parts ``part`` links to with a relationship of this kind ("chart", "comments",
    "aFChunk" ...), in the order its .rels file lists them; only parts the archive has."""
    rels = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
    if not archive.has(rels):
        return []
    found = []
    for rel in parse(archive.read(rels), rels):
        if rel.get("TargetMode") == "External" or not rel.get("Type", "").endswith("/" + kind):
            continue
        target = rel.get("Target", "")
        path = target[1:] if target.startswith("/") else posixpath.join(posixpath.dirname(part), target)
        path = posixpath.normpath(path)
        if archive.has(path) and path not in found:
            found.append(path)
    return found


def _parsed(archive: SafeZip, part: str) -> ET.Element:
    """A part's XML without the fallback copies of markup-compatibility blocks (Word and
    PowerPoint write a text box twice: as DrawingML and, for old readers, as VML)."""
    root = parse(archive.read(part), part)
    for parent in root.iter():
        for child in list(parent):
            if local(child.tag) == "Fallback":
                parent.remove(child)
    return root


def _embedded_texts(archive: SafeZip, folder: str) -> list[str]:
    """Documents embedded in the file (a workbook in a slide, a document in a workbook),
    read by the extractor of their type; those no extractor reads are left out."""
    from desktop_search.core.extract import extract_embedded, extractor_for

    texts = []
    for member in archive.names():
        if not member.startswith(folder) or extractor_for(Path(member)) is None:
            continue
        try:
            document = extract_embedded(archive.read(member), posixpath.basename(member))
        except ExtractionError:
            continue
        if document.text.strip():
            texts.append(f"Embedded: {posixpath.basename(member)}\n{document.text.strip()}")
    return texts


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


def _alt_chunk_text(archive: SafeZip, part: str) -> str:
    """An altChunk: HTML, MHT (a MIME message holding HTML), plain text or RTF kept whole
    inside the document."""
    from desktop_search.core.extract import html, text

    data = archive.read(part)
    suffix = posixpath.splitext(part)[1].lower()
    if suffix in (".mht", ".mhtml"):
        import email
        import email.policy

        message = email.message_from_bytes(data, policy=email.policy.default)
        for piece in message.walk():
            if piece.get_content_type() == "text/html":
                payload = piece.get_payload(decode=True)
                if isinstance(payload, bytes):
                    data, suffix = payload, ".html"
                    break
    if suffix in (".htm", ".html", ".xhtml"):
        decoded = text.decode_text(data, html.declared_charset(data))
        return html.visible_text(decoded)[1] if decoded else ""
    if suffix == ".rtf":
        from desktop_search.core.extract.rtf import extract_rtf

        return extract_rtf(data, part).text
    return text.decode_text(data) or ""


def extract_docx(data: bytes, name: str) -> ExtractedDocument:
    if data.startswith(OLE_MAGIC) and not _is_encrypted_ole(data):  # a Word 97 file named .docx
        from desktop_search.core.extract.ole import extract_doc

        return extract_doc(data, name)
    archive = _open(data, "Word")
    names = archive.names()
    parts = ["word/document.xml"]
    parts += sorted(n for n in names if re.fullmatch(r"word/(header|footer)\d*\.xml", n))
    parts += [n for n in ("word/footnotes.xml", "word/endnotes.xml", "word/comments.xml") if n in names]
    texts = [_paragraph_text(_parsed(archive, part)) for part in parts]
    texts += [
        _alt_chunk_text(archive, part) for part in related_parts(archive, "word/document.xml", "aFChunk")
    ]
    texts += _embedded_texts(archive, "word/embeddings/")
    return ExtractedDocument("\n".join(t.strip("\n") for t in texts if t.strip()), _title(archive))


def _slide_notes(archive: SafeZip, slide: str) -> str | None:
    notes = related_parts(archive, slide, "notesSlide")
    return _paragraph_text(_parsed(archive, notes[0])) if notes else None


def _chart_text(archive: SafeZip, chart: str) -> str:
    """A chart's title, axis titles, series names and category labels (c:v and a:t text)."""
    words: list[str] = []
    for node in parse(archive.read(chart), chart).iter():
        if local(node.tag) in ("t", "v") and node.text and node.text.strip():
            value = node.text.strip()
            if not _NUMBER.fullmatch(value) and value not in words:
                words.append(value)
    return "\n".join(words)


def _comment_text(archive: SafeZip, part: str) -> str:
    """Comments: PowerPoint's p:text (legacy) or a:t (modern), Excel's comment text."""
    root = parse(archive.read(part), part)
    texts = [
        "".join(n.itertext()).strip()
        for n in root.iter()
        if local(n.tag) in ("text", "comment", "threadedComment")
    ]
    return "\n".join(t for t in texts if t)


def _design_text(archive: SafeZip, part: str) -> str:
    """Text a slide master or layout shows on its slides (a footer, a notice), without its
    placeholders' prompts ("Click to edit Master title style")."""
    root = _parsed(archive, part)
    for parent in root.iter():
        for shape in list(parent):
            if local(shape.tag) == "sp" and any(local(n.tag) == "ph" for n in shape.iter()):
                parent.remove(shape)
    return _paragraph_text(root).strip()


def _slide_extras(archive: SafeZip, slide: str) -> list[str]:
    """What a slide links to: charts, SmartArt diagrams, comments."""
    extras = [_chart_text(archive, c) for c in related_parts(archive, slide, "chart")]
    extras += [_paragraph_text(_parsed(archive, d)) for d in related_parts(archive, slide, "diagramData")]
    for kind in ("comments", "comment"):  # legacy and modern comment parts
        extras += [_comment_text(archive, c) for c in related_parts(archive, slide, kind)]
    return [e.strip() for e in extras if e.strip()]


def extract_pptx(data: bytes, name: str) -> ExtractedDocument:
    """Each slide's text, its charts, diagrams and comments, then its speaker notes; every
    slide is a page. Text on the slide layouts and masters comes with the first slide."""
    archive = _open(data, "PowerPoint")
    parts: list[str] = []
    starts: list[int] = []
    position = 0
    designs: list[str] = []  # the layouts and masters the slides are made from
    for slide in _numbered(archive.names(), "ppt/slides/slide"):
        text = "\n".join([_paragraph_text(_parsed(archive, slide)).strip(), *_slide_extras(archive, slide)])
        notes = _slide_notes(archive, slide)
        if notes and notes.strip():
            text += "\n\nNotes: " + notes.strip()
        for layout in related_parts(archive, slide, "slideLayout"):
            designs += [
                d for d in [layout, *related_parts(archive, layout, "slideMaster")] if d not in designs
            ]
        starts.append(position)
        parts.append(text)
        position += len(text) + 2
    if not parts:  # a template: its layouts and masters are all there is
        designs = _numbered(archive.names(), "ppt/slideLayouts/slideLayout")
        designs += _numbered(archive.names(), "ppt/slideMasters/slideMaster")
        starts, parts = [0], [""]
    shown = [t for t in (_design_text(archive, d) for d in designs) if t]
    if shown:
        parts[0] = "\n".join([parts[0], *shown]).strip("\n")
    embedded = _embedded_texts(archive, "ppt/embeddings/")
    if parts and embedded:
        parts[-1] += "\n\n" + "\n\n".join(embedded)
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
        out += [f"{extra}\n" for extra in _sheet_extras(archive, sheet)]
    out += [f"{text}\n" for text in _embedded_texts(archive, "xl/embeddings/")]
    return ExtractedDocument("".join(out), _title(archive))


def _sheet_extras(archive: SafeZip, sheet: str) -> list[str]:
    """What a sheet links to: text boxes and shapes, charts, comments (legacy and threaded)."""
    extras = []
    for drawing in related_parts(archive, sheet, "drawing"):
        extras.append(_paragraph_text(_parsed(archive, drawing)))
        extras += [_chart_text(archive, c) for c in related_parts(archive, drawing, "chart")]
    for kind in ("comments", "threadedComment"):
        extras += [_comment_text(archive, c) for c in related_parts(archive, sheet, kind)]
    return [e.strip() for e in extras if e.strip()]


def _is_encrypted_ole(data: bytes) -> bool:
    """An OLE container holding an EncryptionInfo stream (Word writes "ENCRYPTIONINFO" too)."""
    return _ENCRYPTION_STREAM in data.lower()


def refuse_legacy(data: bytes, name: str) -> ExtractedDocument:
    if data.startswith(OLE_MAGIC) and _is_encrypted_ole(data):
        raise ExtractionError(STATUS_ENCRYPTED, "password-protected Office file")
    raise ExtractionError(STATUS_SKIPPED, "unsupported (legacy format)")
