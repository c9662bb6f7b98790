"""OpenDocument text, spreadsheets and presentations: mixed content with its spaces, tabs and
breaks, table cells, slides as pages, the title from meta.xml, and encrypted or broken files."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from desktop_search.core.extract import ExtractionError, extract
from desktop_search.core.extract.opendocument import extract_odf
from tests.conftest import realdoc
from tests.core.extract.written import extract_written, refused_written
from tests.fixtures import documents as docs

NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"'
)


def _odf(body: str, meta: str | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr(
            "content.xml",
            f'<?xml version="1.0"?><office:document-content {NAMESPACES}>'
            f"<office:automatic-styles/><office:body>{body}</office:body></office:document-content>",
        )
        if meta is not None:
            archive.writestr(
                "meta.xml",
                '<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
                ' xmlns:dc="http://purl.org/dc/elements/1.1/">'
                f"<office:meta>{meta}</office:meta></office:document-meta>",
            )
    return out.getvalue()


def test_opendocument_text_sheet_and_presentation(tmp_path: Path) -> None:
    odt = extract_written(tmp_path, "a.odt", docs.odt_bytes(["Open formats matter."], title="Manifesto"))
    assert odt.title == "Manifesto" and "Open formats matter." in odt.text
    ods = extract_written(tmp_path, "a.ods", docs.ods_bytes([["name", "value"], ["alpha", "1"]]))
    assert "alpha" in ods.text and "name" in ods.text
    odp = extract_written(tmp_path, "a.odp", docs.odp_bytes(["First slide", "Second slide"]))
    assert len(odp.page_starts) == 2 and odp.text[odp.page_starts[1] :].startswith("Second slide")


@pytest.mark.parametrize(
    ("name", "make", "status", "reason"),
    [
        ("locked.odt", lambda: docs.encrypted_odt(), "encrypted", "password-protected OpenDocument"),
    ],
)
def test_broken_encrypted_and_hostile_files_get_a_status_and_reason(
    tmp_path: Path, name: str, make, status: str, reason: str
) -> None:
    error = refused_written(tmp_path, name, make())
    assert error.status == status and reason in error.reason


def test_spaces_tabs_and_line_breaks_are_written_out() -> None:
    body = (
        "<office:text><text:h>Heading</text:h>"
        '<text:p>a<text:s text:c="3"/>b<text:tab/>c<text:line-break/>'
        "d <text:span>span</text:span> tail</text:p>"
        '<text:p>one<text:s/>space, capped<text:s text:c="5000"/>|<text:s text:c="x"/>|</text:p>'
        "</office:text>"
    )
    text = extract_odf(_odf(body), "a.odt").text
    assert text == "Heading\na   b\tc\nd span tail\none space, capped" + " " * 100 + "| |\n"


def test_table_cells_are_tab_separated_and_rows_are_lines() -> None:
    body = (
        "<office:spreadsheet><table:table>"
        "<table:table-row><table:table-cell><text:p>rent</text:p></table:table-cell>"
        "<table:table-cell><text:p>1200</text:p><text:p>monthly</text:p></table:table-cell></table:table-row>"
        "<table:table-row><table:table-cell><text:p>gas</text:p></table:table-cell></table:table-row>"
        "</table:table></office:spreadsheet>"
    )
    text = extract_odf(_odf(body), "a.ods").text
    assert text == "rent \t1200 monthly \t\ngas \t\n"


def test_only_presentations_have_pages() -> None:
    body = (
        "<office:presentation><draw:page><draw:frame><text:p>Slide one</text:p></draw:frame></draw:page>"
        "<draw:page><draw:frame><text:p>Slide two</text:p></draw:frame></draw:page></office:presentation>"
    )
    slides = extract_odf(_odf(body), "deck.odp")
    assert [slides.text[start:].split("\n")[0] for start in slides.page_starts] == ["Slide one", "Slide two"]
    assert extract_odf(_odf(body), "deck.odt").page_starts == []


def test_the_title_comes_from_meta_xml_when_there_is_one() -> None:
    body = "<office:text><text:p>Body</text:p></office:text>"
    assert extract_odf(_odf(body, "<dc:title> Minutes </dc:title>"), "a.odt").title == "Minutes"
    assert extract_odf(_odf(body, "<dc:title/>"), "a.odt").title is None
    assert extract_odf(_odf(body), "a.odt").title is None


def test_a_package_without_content_is_corrupt(tmp_path: Path) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
    error = refused_written(tmp_path, "empty.odt", out.getvalue())
    assert (error.status, error.reason) == ("failed", "corrupt document: no content.xml")


def test_documents_saved_by_libreoffice_are_read(tmp_path: Path) -> None:
    writer = extract(realdoc("LibreOfficeWriter_odt_1.3.odt", tmp_path), 10**8)
    assert writer.text.strip() == "This is an example document" and writer.page_starts == []
    calc = extract(realdoc("LibreOfficeCalc_ods_1.3.ods", tmp_path), 10**8)
    rows = [[cell.strip() for cell in line.split("\t")] for line in calc.text.splitlines()]
    assert rows[:2] == [["This", "is", "an", "example", "spreadsheet", ""], ["0", "1", "2", "3", "4", ""]]
    impress = extract(realdoc("LibreOfficeImpress_odp_1.3.odp", tmp_path), 10**8)
    assert impress.title == "Beehive" and len(impress.page_starts) == 2
    first_slide = impress.text[: impress.page_starts[1]]
    assert "This is" in first_slide and "An example Impress file" in first_slide


def test_real_encrypted_and_non_zip_files_are_said_as_such(tmp_path: Path) -> None:
    with pytest.raises(ExtractionError) as encrypted:
        extract(realdoc("testODTEncrypted.odt", tmp_path), 10**8)
    assert (encrypted.value.status, encrypted.value.reason) == (
        "encrypted",
        "password-protected OpenDocument file",
    )
    with pytest.raises(ExtractionError) as not_zip:
        extract(realdoc("testODTnotaZipFile.odt", tmp_path), 10**8)
    assert not_zip.value.status == "failed" and not_zip.value.reason.startswith("corrupt archive: ")
