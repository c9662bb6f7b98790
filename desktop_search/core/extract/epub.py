"""EPUB books: the chapters in reading order (the package's spine), as visible text.

The container names the package document; its manifest maps ids to XHTML files and its
spine orders them. Each chapter goes through the same HTML text extraction as web pages.
Books with DRM list encrypted content in ``META-INF/encryption.xml`` (fonts obfuscated by
the publisher are allowed: they are not text).
"""

from __future__ import annotations

import posixpath
from urllib.parse import unquote

from desktop_search.core.extract import html, text
from desktop_search.core.extract.document import STATUS_ENCRYPTED, ExtractedDocument, ExtractionError
from desktop_search.core.extract.safezip import SafeZip
from desktop_search.core.extract.xmltext import first_text, local, parse

_FONT_OBFUSCATION = ("http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC")


def _encrypted_text(archive: SafeZip) -> bool:
    if not archive.has("META-INF/encryption.xml"):
        return False
    root = parse(archive.read("META-INF/encryption.xml"), "META-INF/encryption.xml")
    for method in root.iter():
        if local(method.tag) == "EncryptionMethod" and method.get("Algorithm") not in _FONT_OBFUSCATION:
            return True
    return False


def extract_epub(data: bytes, name: str) -> ExtractedDocument:
    archive = SafeZip(data)
    if _encrypted_text(archive):
        raise ExtractionError(STATUS_ENCRYPTED, "EPUB with DRM (encrypted content)")
    if not archive.has("META-INF/container.xml"):
        raise ExtractionError("failed", "corrupt EPUB: no META-INF/container.xml")
    container = parse(archive.read("META-INF/container.xml"), "container.xml")
    package_path = next((n.get("full-path") for n in container.iter() if local(n.tag) == "rootfile"), None)
    if not package_path or not archive.has(package_path):
        raise ExtractionError("failed", "corrupt EPUB: the package document is missing")
    package = parse(archive.read(package_path), package_path)
    base = posixpath.dirname(package_path)
    items = {
        node.get("id"): posixpath.normpath(posixpath.join(base, unquote(node.get("href", ""))))
        for node in package.iter()
        if local(node.tag) == "item"
    }
    chapters = []
    for ref in (n for n in package.iter() if local(n.tag) == "itemref"):
        path = items.get(ref.get("idref"))
        if path is None or not archive.has(path):
            continue
        decoded = text.decode_text(archive.read(path))
        if decoded:
            chapters.append(html.visible_text(decoded)[1].strip())
    return ExtractedDocument("\n\n".join(c for c in chapters if c), first_text(package, "title"))
