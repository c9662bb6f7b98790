"""Text-like files: encodings and code pages, binary detection, titles of marked-up text."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop_search.core.extract import extract
from desktop_search.core.extract.text import decode_text, detect_encoding, guess_title, looks_binary
from tests.conftest import realdoc


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("naïve café".encode(), "naïve café"),
        (codecs.BOM_UTF8 + "naïve".encode(), "naïve"),
        (codecs.BOM_UTF16_LE + "naïve".encode("utf-16-le"), "naïve"),
        (codecs.BOM_UTF16_BE + "naïve".encode("utf-16-be"), "naïve"),
        ("naïve \u2013 “quoted”".encode("cp1252"), "naïve \u2013 “quoted”"),  # en dash, curly quotes
        (b"caf\xe9 \x81", "café \x81"),  # not valid cp1252 either: Latin-1
    ],
    ids=["utf8", "utf8-bom", "utf16le", "utf16be", "cp1252", "latin1"],
)
def test_encodings_are_detected(raw: bytes, expected: str) -> None:
    assert decode_text(raw) == expected


def test_binary_content_is_detected() -> None:
    assert decode_text(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR") is None
    assert decode_text(bytes(range(1, 32)) * 20) is None
    assert decode_text(b"plain text\twith tabs\r\n") == "plain text\twith tabs\r\n"


def test_markdown_org_and_rst_titles() -> None:
    assert guess_title("intro\n\n# The Title #\ntext", "a.md") == "The Title"
    assert guess_title("#+TITLE: Org Notes\n* heading", "n.org") == "Org Notes"
    assert guess_title("Release notes\n=============\n\nbody", "r.rst") == "Release notes"
    assert guess_title("# Not a title in txt", "a.txt") is None


@pytest.mark.parametrize(
    ("name", "phrase"),
    [
        ("russian.cp866.txt", "Однажды, в студеную зимнюю пору"),  # DOS Cyrillic
        ("english.cp500.txt", "IntelliStation POWER"),  # EBCDIC
        ("testTXT_win-1252.txt", "a \u201cwindows\u201d encoding"),
        ("testTXTNonASCIIUTF8.txt", "Le renard brun rapide"),
    ],
)
def test_the_code_page_of_a_real_text_file_is_found(tmp_path: Path, name: str, phrase: str) -> None:
    assert phrase in extract(realdoc(name, tmp_path), 10**8).text


@pytest.mark.parametrize(
    ("sentence", "encoding"),
    [
        ("Le naïf garçon mangea une crème brûlée à la fenêtre de l'hôtel, où l'été était chaud.", "cp1252"),
        ("Die Größe der Brücke überrascht alle Bürger; schöne Grüße aus Köln – „Straße“.", "cp1252"),
        ("Příliš žluťoučký kůň úpěl ďábelské ódy. Všechno je v pořádku.", "cp1250"),
        ("Однажды, в студеную зимнюю пору, я из лесу вышел; был сильный мороз.", "cp1251"),
        ("Однажды, в студеную зимнюю пору, я из лесу вышел; был сильный мороз.", "cp866"),
        ("Η γρήγορη καφέ αλεπού πηδάει πάνω από τον τεμπέλη σκύλο.", "cp1253"),
        ("日本語のテキストです。これはテストです。", "cp932"),
        ("这是一个中文测试文本，用于检测编码。", "gbk"),
    ],
)
def test_legacy_code_pages_of_many_languages_are_told_apart(sentence: str, encoding: str) -> None:
    assert decode_text(sentence.encode(encoding)) == sentence


@given(st.binary(max_size=2048))
def test_decoding_never_fails_and_round_trips_utf8(data: bytes) -> None:
    decoded = decode_text(data)
    assert decoded is None or isinstance(decoded, str)
    try:
        expected = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    if decoded is not None and "\x00" not in expected:
        assert decoded == expected.removeprefix("\ufeff")


def test_binary_is_a_nul_byte_or_more_than_a_tenth_control_characters() -> None:
    assert not looks_binary(b"")
    assert looks_binary(b"text with one \x00 byte")
    assert not looks_binary(b"\x01" + b"a" * 9)  # exactly 10 %
    assert looks_binary(b"\x01\x02" + b"a" * 9)  # 18 %
    # Tab, line feed, form feed, carriage return and escape (ANSI colours in logs) are text.
    assert not looks_binary(b"\t\n\x0c\r\x1b[31m" * 50)


def test_utf32_with_a_bom_is_read() -> None:
    assert decode_text(codecs.BOM_UTF32_LE + "naïve".encode("utf-32-le")) == "naïve"
    assert decode_text(codecs.BOM_UTF32_BE + "naïve".encode("utf-32-be")) == "naïve"


def test_a_declared_charset_decides_8_bit_text_but_not_utf8() -> None:
    russian = "Привет, мир"
    assert decode_text(russian.encode("koi8_r"), "koi8-r") == russian
    assert decode_text(russian.encode("utf-8"), "koi8-r") == russian  # the bytes are UTF-8: they win
    assert decode_text("caf\u00e9".encode("cp1252"), "no-such-charset") == "caf\u00e9"  # unknown: ignored


def test_the_detector_needs_evidence_before_it_beats_windows_1252() -> None:
    assert detect_encoding(b"plain ascii only") is None
    assert detect_encoding("caf\u00e9 na\u00efve".encode("cp1252")) is None  # 2 non-ASCII bytes: too few
    french = "Le naïf garçon mangea une crème brûlée à la fenêtre de l'hôtel, où l'été était chaud."
    assert detect_encoding(french.encode("cp1252")) == "cp1252"
    assert detect_encoding(french[:51].encode("cp1252")) is None  # 7 non-ASCII bytes: still too few
    cyrillic = "Однажды, в студеную зимнюю пору, я из лесу вышел; был сильный мороз.".encode("cp1251")
    assert detect_encoding(cyrillic) == "cp1251"


def test_titles_are_looked_for_only_near_the_top_and_are_capped() -> None:
    assert guess_title("x\n" * 3000 + "# Late heading\n", "a.md") is None
    assert guess_title("# " + "long " * 100 + "\n", "a.markdown") == ("long " * 100).strip()[:200]
    assert guess_title("#+title: lower case key\n", "a.ORG") == "lower case key"
    assert guess_title("=====\nOverlined\n=====\n", "a.rst") == "Overlined"
    assert guess_title("no heading here", "a.md") is None
