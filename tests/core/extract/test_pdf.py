"""PDF: what annotations and form fields show is text; a garbled text layer is not indexed."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from desktop_search.core.extract import extract
from tests.conftest import realdoc
from tests.core.extract.written import extract_written, refused_written
from tests.fixtures import documents as docs

LOREM = (
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut "
    "labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco."
)


def _shifted(text: str) -> str:
    """What a font with a broken character map makes of text: every letter another, the
    spaces a symbol ("Lorem ipsum" -> "LSVIQ^MTWYQ")."""
    return "".join("^" if c == " " else chr(ord(c) - 28) if c.islower() else c for c in text)


def test_comments_and_form_fields_are_read(tmp_path: Path) -> None:
    annotated = extract(realdoc("testAnnotations.pdf", tmp_path), 10**8).text
    assert "Here is some text." in " ".join(annotated.split())
    assert " ".join(annotated.split()).count("Here is a comment") == 1  # shown once, not twice
    form = extract(realdoc("testPDF_acroform3.pdf", tmp_path), 10**8).text
    assert {"comboItemB", "listItemB", "listItemC", "TIKA-1226"} <= set(form.split())
    xfa = extract(realdoc("testPDF_XFA_govdocs1_258578.pdf", tmp_path), 10**8).text
    assert "my_school" in xfa and "Mount Rushmore National Memorial" in xfa


def test_a_sticky_note_is_read(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter
    from pypdf.annotations import Text

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(docs.pdf_bytes([["The contract draft."]]))))
    writer.add_annotation(0, Text(rect=(50, 550, 70, 570), text="Ask the lawyer about clause nine."))
    buffer = io.BytesIO()
    writer.write(buffer)
    text = extract(docs.write(tmp_path, "noted.pdf", buffer.getvalue()), 10**8).text
    assert "The contract draft." in text and "Ask the lawyer about clause nine." in text


def test_a_garbled_text_layer_is_left_out_and_said(tmp_path: Path) -> None:
    pages = [[LOREM[:90], LOREM[90:]], [_shifted(LOREM[:90]), _shifted(LOREM[90:])]]
    document = extract(docs.write(tmp_path, "fonts.pdf", docs.pdf_bytes(pages)), 10**8)
    assert "Lorem ipsum dolor" in document.text
    assert "LSVIQ" not in document.text
    assert document.note == "garbled text layer on 1 of 2 page(s) (text recognition is not supported)"
    assert len(document.page_starts) == 2  # the page is kept, empty, so page numbers stay


def test_pdf_text_per_page_with_title(tmp_path: Path) -> None:
    pages = [["Apples grow on trees."], ["The boundary layer (laminar) separates."], ["Third page."]]
    document = extract_written(tmp_path, "report.pdf", docs.pdf_bytes(pages, title="Fruit report"))
    assert document.title == "Fruit report"
    assert len(document.page_starts) == 3
    for number, start in enumerate(document.page_starts):
        assert document.text[start:].startswith(pages[number][0])


@pytest.mark.parametrize(
    ("name", "make", "status", "reason"),
    [
        ("locked.pdf", lambda: docs.encrypted_pdf_bytes([["secret"]]), "encrypted", "password-protected PDF"),
        ("truncated.pdf", lambda: docs.pdf_bytes([["x"]])[:60], "failed", "not a readable PDF"),
        ("garbage.pdf", lambda: b"not a pdf at all", "failed", "not a readable PDF"),
    ],
)
def test_broken_encrypted_and_hostile_files_get_a_status_and_reason(
    tmp_path: Path, name: str, make, status: str, reason: str
) -> None:
    error = refused_written(tmp_path, name, make())
    assert error.status == status and reason in error.reason
