"""EPUB books: the chapters in spine order as visible text, the title from the package, and
DRM or a broken package said as such."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from desktop_search.core.extract import extract
from desktop_search.core.extract.epub import extract_epub
from tests.conftest import realdoc
from tests.core.extract.written import extract_written, refused_written
from tests.fixtures import documents as docs

CONTAINER = (
    '<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
    '<rootfiles><rootfile full-path="{package}" media-type="application/oebps-package+xml"/></rootfiles>'
    "</container>"
)


def _book(members: dict[str, str], package: str = "OEBPS/content.opf") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as book:
        book.writestr("mimetype", "application/epub+zip")
        book.writestr("META-INF/container.xml", CONTAINER.format(package=package))
        for name, text in members.items():
            book.writestr(name, text)
    return out.getvalue()


def _package(manifest: str, spine: str, title: str = "") -> str:
    return (
        '<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0">'
        f'<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{title}</dc:title></metadata>'
        f"<manifest>{manifest}</manifest><spine>{spine}</spine></package>"
    )


def _chapter(body: str) -> str:
    return (
        f'<html xmlns="http://www.w3.org/1999/xhtml"><head><title>x</title></head><body>{body}</body></html>'
    )


def test_epub_chapters_in_spine_order(tmp_path: Path) -> None:
    data = docs.epub_bytes([("Chapter 1", "It was a dark night."), ("Chapter 2", "Morning came.")], "Tale")
    document = extract_written(tmp_path, "tale.epub", data)
    assert document.title == "Tale"
    assert document.text.index("dark night") < document.text.index("Morning came")


@pytest.mark.parametrize(
    ("name", "make", "status", "reason"),
    [
        ("drm.epub", lambda: docs.drm_epub(), "encrypted", "DRM"),
    ],
)
def test_broken_encrypted_and_hostile_files_get_a_status_and_reason(
    tmp_path: Path, name: str, make, status: str, reason: str
) -> None:
    error = refused_written(tmp_path, name, make())
    assert error.status == status and reason in error.reason


def test_a_real_book_reads_its_spine_not_its_stylesheet_or_table_of_contents_file(tmp_path: Path) -> None:
    document = extract(realdoc("testEPUB.epub", tmp_path), 10**8)
    assert document.title == "An ePub  for Tika"  # as the package spells it
    text = document.text
    assert text.index("This is the text for chapter One") < text.index("This is the text for chapter Two")
    assert "Subchapter 2.1" in text and "First item\nSecond item" in text
    assert "text-align" not in text  # style.css is in the manifest, not the spine
    assert "navPoint" not in text and "Cover Page" not in text  # toc.ncx is not read; titles are not text


def test_the_order_is_the_spine_s_not_the_manifest_s_and_hrefs_are_resolved() -> None:
    manifest = (
        '<item id="end" href="Text/The%20End.xhtml" media-type="application/xhtml+xml"/>'
        '<item id="start" href="Text/../Text/start.xhtml" media-type="application/xhtml+xml"/>'
        '<item id="gone" href="Text/missing.xhtml" media-type="application/xhtml+xml"/>'
    )
    spine = '<itemref idref="start"/><itemref idref="unknown"/><itemref idref="gone"/><itemref idref="end"/>'
    data = _book(
        {
            "OEBPS/content.opf": _package(manifest, spine, "Order"),
            "OEBPS/Text/The End.xhtml": _chapter("<p>Last words.</p>"),
            "OEBPS/Text/start.xhtml": _chapter("<h1>Opening</h1><p>First words.</p><script>no()</script>"),
        }
    )
    document = extract_epub(data, "order.epub")
    assert document.text == "Opening\nFirst words.\n\nLast words."
    assert document.title == "Order" and document.page_starts == []


def test_publisher_font_obfuscation_is_not_drm() -> None:
    encryption = (
        '<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container"'
        ' xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData>'
        '<enc:EncryptionMethod Algorithm="http://www.idpf.org/2008/embedding"/>'
        "</enc:EncryptedData></encryption>"
    )
    data = _book(
        {
            "META-INF/encryption.xml": encryption,
            "OEBPS/content.opf": _package('<item id="a" href="a.xhtml"/>', '<itemref idref="a"/>'),
            "OEBPS/a.xhtml": _chapter("<p>Readable text.</p>"),
        }
    )
    assert extract_epub(data, "fonts.epub").text == "Readable text."


@pytest.mark.parametrize(
    ("members", "package", "reason"),
    [
        ({}, "OEBPS/content.opf", "corrupt EPUB: the package document is missing"),
        ({"OEBPS/content.opf": "<package/>"}, "", "corrupt EPUB: the package document is missing"),
        (
            {"OEBPS/content.opf": "<package><manifest>"},
            "OEBPS/content.opf",
            "corrupt document: OEBPS/content.opf",
        ),
    ],
    ids=["package-absent", "no-rootfile-path", "package-malformed"],
)
def test_a_broken_package_is_a_failure_with_its_reason(
    tmp_path: Path, members: dict[str, str], package: str, reason: str
) -> None:
    error = refused_written(tmp_path, "broken.epub", _book(members, package))
    assert error.status == "failed" and error.reason.startswith(reason)


def test_a_zip_without_a_container_is_not_an_epub(tmp_path: Path) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("chapter.xhtml", _chapter("<p>text</p>"))
    error = refused_written(tmp_path, "plain.epub", out.getvalue())
    assert (error.status, error.reason) == ("failed", "corrupt EPUB: no META-INF/container.xml")
