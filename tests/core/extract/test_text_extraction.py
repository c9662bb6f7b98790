"""Text-like files: encodings, binary detection, HTML visible text, titles, limits."""

from __future__ import annotations

import codecs
import os
from pathlib import Path

import pytest

from desktop_search.core.extract import ExtractionError, extract, is_supported
from desktop_search.core.extract.text import decode_text, guess_title
from tests.conftest import realdoc

LIMIT = 1_000_000


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


def test_offsets_refer_to_the_file_text(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"line one\r\nline two\r\n")
    assert extract(path, LIMIT).text == "line one\r\nline two\r\n"  # line endings kept


def test_html_gives_visible_text_and_title(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title> My  Page </title><style>.x{}</style><script>secret()</script></head>"
        "<body><h1>Heading</h1><p>First &amp; second</p><noscript>nojs</noscript></body></html>"
    )
    document = extract(path, LIMIT)
    assert document.title == "My Page"
    assert document.text == "Heading\nFirst & second"


def test_markdown_org_and_rst_titles() -> None:
    assert guess_title("intro\n\n# The Title #\ntext", "a.md") == "The Title"
    assert guess_title("#+TITLE: Org Notes\n* heading", "n.org") == "Org Notes"
    assert guess_title("Release notes\n=============\n\nbody", "r.rst") == "Release notes"
    assert guess_title("# Not a title in txt", "a.txt") is None


def test_supported_types() -> None:
    for name in (
        "a.py",
        "b.MD",
        "c.json",
        "d.csv",
        "README",
        "Makefile",
        "e.html",
        "f.tex",
        "g.yaml",
    ):
        assert is_supported(Path(name)), name
    for name in ("photo.jpg", "archive.zip", "program.exe", "noextension"):
        assert not is_supported(Path(name)), name


def test_unsupported_too_large_and_binary_are_skipped_with_reasons(tmp_path: Path) -> None:
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    (tmp_path / "big.txt").write_text("x" * 2000)
    (tmp_path / "fake.txt").write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(ExtractionError) as unsupported:
        extract(tmp_path / "photo.jpg", LIMIT)
    with pytest.raises(ExtractionError) as large:
        extract(tmp_path / "big.txt", 1000)
    with pytest.raises(ExtractionError) as binary:
        extract(tmp_path / "fake.txt", LIMIT)
    assert (unsupported.value.status, unsupported.value.reason) == (
        "skipped",
        "unsupported file type (.jpg)",
    )
    assert large.value.status == "skipped" and "limit" in large.value.reason
    assert (binary.value.status, binary.value.reason) == ("skipped", "binary content")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads everything")
def test_unreadable_file_fails_with_reason(tmp_path: Path) -> None:
    path = tmp_path / "secret.txt"
    path.write_text("hidden")
    path.chmod(0)
    with pytest.raises(ExtractionError) as error:
        extract(path, LIMIT)
    assert (error.value.status, error.value.reason) == ("failed", "permission denied")


def test_vanished_file_fails_with_reason(tmp_path: Path) -> None:
    with pytest.raises(ExtractionError) as error:
        extract(tmp_path / "gone.txt", LIMIT)
    assert (error.value.status, error.value.reason) == ("failed", "file vanished while indexing")


def test_content_hash_is_of_the_bytes(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("same")
    (tmp_path / "b.md").write_text("same")
    (tmp_path / "c.txt").write_text("different")
    hashes = [extract(tmp_path / n, LIMIT).content_hash for n in ("a.txt", "b.md", "c.txt")]
    assert hashes[0] == hashes[1] != hashes[2] and len(hashes[0]) == 64


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
    ("name", "phrase"),
    [
        ("testHTMLNoisyMetaEncoding_1.html", "الاتحاد الجزائري"),  # declared iso-8859-6
        ("testArabicMisleadingCharset.html", "في قرية من القرى"),  # declares UTF-8, is not
        ("testHTML_charset_utf16le.html", "This is a sample text"),
    ],
)
def test_the_charset_a_page_declares_is_used_unless_the_bytes_say_otherwise(
    tmp_path: Path, name: str, phrase: str
) -> None:
    assert phrase in extract(realdoc(name, tmp_path), 10**8).text


def test_an_end_tag_with_junk_after_its_name_still_ends_the_script(tmp_path: Path) -> None:
    # "</script language>" once swallowed the rest of the page.
    assert extract(realdoc("testHTMLBadScript.html", tmp_path), 10**8).text == "This is a test."


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
