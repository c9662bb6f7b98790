"""RTF read by its specification: destinations, fields, code pages, Unicode and its fallbacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_search.core.extract import ExtractionError, extract
from desktop_search.core.extract.rtf import MAX_DEPTH, extract_rtf
from tests.conftest import realdoc
from tests.core.extract.written import extract_written, refused_written
from tests.fixtures import documents as docs


def _text(rtf: str | bytes) -> str:
    return extract_rtf(rtf.encode("latin-1") if isinstance(rtf, str) else rtf, "a.rtf").text


def test_the_body_after_a_mid_group_ignorable_mark_is_read(tmp_path: Path) -> None:
    # StarWriter writes "\*\cs7" in the middle of a group: the text after it is the body.
    document = extract(realdoc("testRTFIgnoredControlWord.rtf", tmp_path), 10**8)
    assert document.text.strip() == "The quick brown fox jumps over the lazy dog"
    assert document.title == "test rft document"


def test_the_unicode_copy_of_a_title_is_read_not_its_ansi_fallback(tmp_path: Path) -> None:
    document = extract(realdoc("testRTFJapanese.rtf", tmp_path), 10**8)
    assert document.title == "ゾルゲと尾崎、淡々と最期"
    assert "古書店で処刑記録見つかる" in document.text
    assert "?" not in document.text


def test_headers_footnotes_and_lists_are_text_and_tables_have_cells(tmp_path: Path) -> None:
    text = extract(realdoc("testRTFVarious.rtf", tmp_path), 10**8).text
    for expected in ("This is the header text.", "This is a footnote.", "1)\tNumber bullet 1"):
        assert expected in text
    cells = extract(realdoc("testRTFTableCellSeparation.rtf", tmp_path), 10**8).text
    assert cells.splitlines()[:2] == ["a\tb\t", "c\td\t"]


def test_ignorable_destinations_and_field_instructions_are_not_text() -> None:
    rtf = (
        r"{\rtf1\ansi{\fonttbl{\f0 Arial;}}{\colortbl;\red0\green0\blue0;}"
        r"{\*\generator Writer 9;}{\*\unknownthing secret words}{\pict\pngblip 89504e47}"
        r"See {\field{\*\fldinst HYPERLINK 'http://x'}{\fldrslt the site}} now.\par"
        r"{\object{\*\objdata 0105}{\result shown result}}\bin4 {}{}after}"
    )
    assert _text(rtf) == "See the site now.\nshown resultafter"


def test_code_pages_of_fonts_and_unicode_with_fallbacks() -> None:
    rtf = (
        r"{\rtf1\ansi\ansicpg1252{\fonttbl{\f0 Times;}{\f1\fcharset128 MS Mincho;}{\f2\fcharset204 Cyr;}}"
        r"caf\'e9 {\f1 \'93\'fa\'96\'7b} {\f2 \'cf\'f0\'e8\'e2\'e5\'f2} "
        r"\uc2\u8364\'80\'80 euro \u-10179?\u-8704?}"
    )
    assert _text(rtf) == "café 日本 Привет € euro \ud83d\ude00"
    assert extract_rtf(rtf.encode("latin-1"), "a.rtf").text.endswith("\ud83d\ude00")


def test_groups_nested_past_the_limit_are_a_clear_failure() -> None:
    with pytest.raises(ExtractionError, match="nested too deeply"):
        _text("{\\rtf1 " + "{" * (MAX_DEPTH + 1) + "deep")


def test_rtf_text_with_escapes(tmp_path: Path) -> None:
    document = extract_written(
        tmp_path, "a.rtf", docs.rtf_bytes(["Plain words.", "Caf\u00e9 {braces} na\u00efve"])
    )
    assert "Plain words." in document.text and "Caf\u00e9 {braces} na\u00efve" in document.text
    assert "fonttbl" not in document.text and "Times" not in document.text


@pytest.mark.parametrize(
    ("name", "make", "status", "reason"),
    [
        ("bad.rtf", lambda: b"plain text, not RTF", "failed", "not an RTF file"),
    ],
)
def test_broken_encrypted_and_hostile_files_get_a_status_and_reason(
    tmp_path: Path, name: str, make, status: str, reason: str
) -> None:
    error = refused_written(tmp_path, name, make())
    assert error.status == status and reason in error.reason
