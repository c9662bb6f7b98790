"""Office files: what their linked parts hold (altChunks, charts, comments, diagrams, masters,
text boxes, embedded documents) is read, once."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from desktop_search.core.extract import ExtractionError, extract
from tests.conftest import realdoc
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
