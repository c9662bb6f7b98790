"""Office files: what their linked parts hold (altChunks, charts, comments, diagrams, masters,
text boxes, embedded documents) is read, once."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from desktop_search.core.extract import ExtractionError, extract
from tests.conftest import realdoc
from tests.core.extract.written import extract_written, refused_written
from tests.fixtures import documents as docs


def _text(tmp_path: Path, name: str) -> str:
    return " ".join(extract(realdoc(name, tmp_path), 10**8).text.split())


@pytest.mark.parametrize("name", ["testAltChunkHTML.docx", "testAltChunkMHT.docx"])
def test_html_kept_whole_inside_a_word_file_is_read(tmp_path: Path, name: str) -> None:
    text = _text(tmp_path, name)
    assert "Simple paragraph with a emphasized word. Example of a table:" in text


def test_a_text_box_written_twice_for_old_readers_is_read_once(tmp_path: Path) -> None:
    assert (
        _text(tmp_path, "testWORD_sdtInTextBox.docx").count("rich-text-content-control_inside-text-box") == 1
    )


def test_an_encrypted_word_file_is_encrypted_however_its_stream_is_spelled(tmp_path: Path) -> None:
    with pytest.raises(ExtractionError) as caught:  # its stream is named "ENCRYPTIONINFO"
        extract(realdoc("protected_upper_case.docx", tmp_path), 10**8)
    assert caught.value.status == "encrypted"


@pytest.mark.parametrize(
    ("name", "phrases"),
    [
        ("testPPT_charts.pptx", ["wants a peach", "January"]),
        ("testPPT_comment.pptx", ["I'm afraid I'm going to have to ask you to add some content"]),
        ("testComment.pptx", ["Here is a comment"]),
        ("testPPT_groups.pptx", ["Text box5", "WordArt1", "Ungrouped text box", "smart1", "Smart5"]),
        ("testPPT_masterFooter.pptx", ["Master footer is here"]),
        ("testPPT_masterText.pptx", ["Text that I added to the master slide"]),
        ("testPPT_embedded_two_slides.pptx", ["Embedded: Microsoft_Office_Excel_Worksheet1.xlsx"]),
    ],
)
def test_what_a_slide_links_to_is_read(tmp_path: Path, name: str, phrases: list[str]) -> None:
    text = _text(tmp_path, name)
    for phrase in phrases:
        assert phrase in text


def test_master_prompts_are_not_text(tmp_path: Path) -> None:
    assert "Click to edit Master" not in _text(tmp_path, "testPPT_masterText.pptx")


@pytest.mark.parametrize(
    ("name", "phrases"),
    [
        ("testEXCEL_textbox.xlsx", ["this is some autoshape text"]),
        ("testEXCEL_charts.xlsx", ["is a panda", "wants a peach"]),
    ],
)
def test_text_boxes_and_charts_of_a_sheet_are_read(tmp_path: Path, name: str, phrases: list[str]) -> None:
    text = _text(tmp_path, name)
    for phrase in phrases:
        assert phrase in text


def test_cell_comments_are_read(tmp_path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.comments import Comment

    book = Workbook()
    book.active["A1"] = "rent"
    book.active["A1"].comment = Comment("Raised by the landlord in March.", "Ada")
    buffer = io.BytesIO()
    book.save(buffer)
    text = extract(docs.write(tmp_path, "costs.xlsx", buffer.getvalue()), 10**8).text
    assert "rent" in text and "Raised by the landlord in March." in text


def test_a_word_97_file_named_docx_is_read(tmp_path: Path) -> None:
    renamed = tmp_path / "renamed.docx"
    realdoc("testWORD_3imgs.doc", tmp_path).rename(renamed)
    assert "The Alfresco logo is above this" in extract(renamed, 10**8).text


def test_docx_paragraphs_tables_and_title(tmp_path: Path) -> None:
    data = docs.docx_bytes(
        ["Quarterly report", "Revenue grew by twelve percent."], title="Q3", table=[["rent", "1200"]]
    )
    document = extract_written(tmp_path, "q3.docx", data)
    assert document.title == "Q3"
    assert "Quarterly report\nRevenue grew by twelve percent." in document.text
    assert "rent" in document.text and "1200" in document.text


def test_pptx_slides_are_pages_and_notes_are_kept(tmp_path: Path) -> None:
    data = docs.pptx_bytes([("Intro", "Welcome all", "Say hello first"), ("Plan", "Ship in May", None)])
    document = extract_written(tmp_path, "deck.pptx", data)
    first, second = document.page_starts
    assert document.text[first:second].strip().startswith("Intro")
    assert "Notes: Say hello first" in document.text[first:second]
    assert document.text[second:].startswith("Plan") and "Ship in May" in document.text[second:]


def test_xlsx_cells_by_sheet(tmp_path: Path) -> None:
    data = docs.xlsx_bytes({"Budget": [["item", "cost"], ["rent", 1200]], "Notes": [["call the bank"]]})
    document = extract_written(tmp_path, "budget.xlsx", data)
    assert "Budget\nitem\tcost\nrent\t1200\n" in document.text
    assert "Notes\ncall the bank" in document.text


@pytest.mark.parametrize(
    ("name", "make", "status", "reason"),
    [
        ("locked.docx", lambda: docs.encrypted_office_bytes(docs.docx_bytes(["x"])), "encrypted", "password"),
        (
            "locked.xlsx",
            lambda: docs.encrypted_office_bytes(docs.xlsx_bytes({"a": [["x"]]})),
            "encrypted",
            "",
        ),
        ("old.xls", lambda: docs.OLE_MAGIC + b"\0" * 1024, "skipped", "unsupported (legacy format)"),
    ],
)
def test_broken_encrypted_and_hostile_files_get_a_status_and_reason(
    tmp_path: Path, name: str, make, status: str, reason: str
) -> None:
    error = refused_written(tmp_path, name, make())
    assert error.status == status and reason in error.reason


def test_zip_members_are_read_only_through_the_caps(tmp_path: Path) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w:document xmlns:w='x'><w:body/></w:document>")
    document = extract_written(tmp_path, "empty.docx", out.getvalue())
    assert document.text == ""
