"""Every supported document format, made by real writer libraries, and the broken ones.

What each format yields (text, title, pages) and which status a broken, encrypted, bomb
or legacy file gets, through ``extract`` as the workers run it.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from desktop_search.core.extract import ExtractionError, extract
from tests.fixtures import documents as docs

LIMIT = 50 * 1024 * 1024


def _extract(tmp_path: Path, name: str, data: bytes):
    return extract(docs.write(tmp_path, name, data), LIMIT)


def _refused(tmp_path: Path, name: str, data: bytes) -> ExtractionError:
    with pytest.raises(ExtractionError) as caught:
        _extract(tmp_path, name, data)
    return caught.value


def test_pdf_text_per_page_with_title(tmp_path: Path) -> None:
    pages = [["Apples grow on trees."], ["The boundary layer (laminar) separates."], ["Third page."]]
    document = _extract(tmp_path, "report.pdf", docs.pdf_bytes(pages, title="Fruit report"))
    assert document.title == "Fruit report"
    assert len(document.page_starts) == 3
    for number, start in enumerate(document.page_starts):
        assert document.text[start:].startswith(pages[number][0])


def test_docx_paragraphs_tables_and_title(tmp_path: Path) -> None:
    data = docs.docx_bytes(
        ["Quarterly report", "Revenue grew by twelve percent."], title="Q3", table=[["rent", "1200"]]
    )
    document = _extract(tmp_path, "q3.docx", data)
    assert document.title == "Q3"
    assert "Quarterly report\nRevenue grew by twelve percent." in document.text
    assert "rent" in document.text and "1200" in document.text


def test_pptx_slides_are_pages_and_notes_are_kept(tmp_path: Path) -> None:
    data = docs.pptx_bytes([("Intro", "Welcome all", "Say hello first"), ("Plan", "Ship in May", None)])
    document = _extract(tmp_path, "deck.pptx", data)
    first, second = document.page_starts
    assert document.text[first:second].strip().startswith("Intro")
    assert "Notes: Say hello first" in document.text[first:second]
    assert document.text[second:].startswith("Plan") and "Ship in May" in document.text[second:]


def test_xlsx_cells_by_sheet(tmp_path: Path) -> None:
    data = docs.xlsx_bytes({"Budget": [["item", "cost"], ["rent", 1200]], "Notes": [["call the bank"]]})
    document = _extract(tmp_path, "budget.xlsx", data)
    assert "Budget\nitem\tcost\nrent\t1200\n" in document.text
    assert "Notes\ncall the bank" in document.text


def test_opendocument_text_sheet_and_presentation(tmp_path: Path) -> None:
    odt = _extract(tmp_path, "a.odt", docs.odt_bytes(["Open formats matter."], title="Manifesto"))
    assert odt.title == "Manifesto" and "Open formats matter." in odt.text
    ods = _extract(tmp_path, "a.ods", docs.ods_bytes([["name", "value"], ["alpha", "1"]]))
    assert "alpha" in ods.text and "name" in ods.text
    odp = _extract(tmp_path, "a.odp", docs.odp_bytes(["First slide", "Second slide"]))
    assert len(odp.page_starts) == 2 and odp.text[odp.page_starts[1] :].startswith("Second slide")


def test_epub_chapters_in_spine_order(tmp_path: Path) -> None:
    data = docs.epub_bytes([("Chapter 1", "It was a dark night."), ("Chapter 2", "Morning came.")], "Tale")
    document = _extract(tmp_path, "tale.epub", data)
    assert document.title == "Tale"
    assert document.text.index("dark night") < document.text.index("Morning came")


def test_rtf_text_with_escapes(tmp_path: Path) -> None:
    document = _extract(tmp_path, "a.rtf", docs.rtf_bytes(["Plain words.", "Caf\u00e9 {braces} na\u00efve"]))
    assert "Plain words." in document.text and "Caf\u00e9 {braces} na\u00efve" in document.text
    assert "fonttbl" not in document.text and "Times" not in document.text


def test_email_headers_body_and_text_attachment(tmp_path: Path) -> None:
    data = docs.eml_bytes("Quarterly numbers", "Revenue grew.", attachment=("notes.txt", "see the appendix"))
    document = _extract(tmp_path, "a.eml", data)
    assert document.title == "Quarterly numbers"
    assert "From: Ada Lovelace" in document.text and "Revenue grew." in document.text
    assert "Attachment: notes.txt\nsee the appendix" in document.text
    html = _extract(tmp_path, "b.eml", docs.eml_bytes("Hi", "Bold <b>claim</b>", html=True))
    assert "Bold claim" in html.text and "<b>" not in html.text


def test_mbox_messages_with_quoted_from_lines(tmp_path: Path) -> None:
    data = docs.mbox_bytes([("First", "Hello\nFrom the start"), ("Second", "Bye")])
    document = _extract(tmp_path, "inbox.mbox", data)
    assert "Subject: First" in document.text and "Subject: Second" in document.text
    assert "\nFrom the start" in document.text and ">From" not in document.text


@pytest.mark.parametrize(
    ("name", "make", "status", "reason"),
    [
        ("locked.pdf", lambda: docs.encrypted_pdf_bytes([["secret"]]), "encrypted", "password-protected PDF"),
        ("locked.docx", lambda: docs.encrypted_office_bytes(docs.docx_bytes(["x"])), "encrypted", "password"),
        (
            "locked.xlsx",
            lambda: docs.encrypted_office_bytes(docs.xlsx_bytes({"a": [["x"]]})),
            "encrypted",
            "",
        ),
        ("old.doc", lambda: docs.OLE_MAGIC + b"\0" * 1024, "failed", "corrupt document"),
        ("old.xls", lambda: docs.OLE_MAGIC + b"\0" * 1024, "skipped", "unsupported (legacy format)"),
        ("bomb.docx", lambda: docs.zip_bomb("word/document.xml", 600), "failed", "archive bomb"),
        ("ratio.docx", lambda: docs.zip_bomb("word/document.xml", 20), "failed", "inflates"),
        ("many.epub", lambda: docs.many_members(20_001), "failed", "20,001 members"),
        ("truncated.docx", lambda: docs.docx_bytes(["x" * 5000])[:2000], "failed", "corrupt archive"),
        ("truncated.pdf", lambda: docs.pdf_bytes([["x"]])[:60], "failed", "not a readable PDF"),
        ("garbage.pdf", lambda: b"not a pdf at all", "failed", "not a readable PDF"),
        ("laughs.docx", lambda: docs.billion_laughs_docx(), "failed", "corrupt document"),
        ("bad.rtf", lambda: b"plain text, not RTF", "failed", "not an RTF file"),
        ("bad.mbox", lambda: b"no separators here", "failed", "not an mbox"),
        ("locked.odt", lambda: docs.encrypted_odt(), "encrypted", "password-protected OpenDocument"),
        ("drm.epub", lambda: docs.drm_epub(), "encrypted", "DRM"),
    ],
)
def test_broken_encrypted_and_hostile_files_get_a_status_and_reason(
    tmp_path: Path, name: str, make, status: str, reason: str
) -> None:
    error = _refused(tmp_path, name, make())
    assert error.status == status and reason in error.reason


def test_a_lying_zip_header_is_caught_while_inflating(tmp_path: Path) -> None:
    """The directory says 1 KB, the member inflates to 200 MB: stopped at the member cap."""
    data = bytearray(docs.zip_bomb("word/document.xml", 200))
    patched = docs.lie_about_sizes(bytes(data), 1024)
    error = _refused(tmp_path, "liar.docx", patched)
    assert error.status == "failed" and ("archive bomb" in error.reason or "corrupt" in error.reason)


def test_legacy_name_on_a_new_format_is_still_read(tmp_path: Path) -> None:
    """Only the bytes decide: an OOXML file renamed .doc is refused as legacy, not crashed on."""
    error = _refused(tmp_path, "renamed.doc", docs.docx_bytes(["modern"]))
    assert error.status == "skipped"


def test_zip_members_are_read_only_through_the_caps(tmp_path: Path) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w:document xmlns:w='x'><w:body/></w:document>")
    document = _extract(tmp_path, "empty.docx", out.getvalue())
    assert document.text == ""
