"""HTML: the visible text with blocks on their own lines, the <title>, and the charset a page
declares."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_search.core.extract import extract
from desktop_search.core.extract.html import declared_charset, visible_text
from tests.conftest import realdoc

LIMIT = 1_000_000


def test_html_gives_visible_text_and_title(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title> My  Page </title><style>.x{}</style><script>secret()</script></head>"
        "<body><h1>Heading</h1><p>First &amp; second</p><noscript>nojs</noscript></body></html>"
    )
    document = extract(path, LIMIT)
    assert document.title == "My Page"
    assert document.text == "Heading\nFirst & second"


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
    ("head", "charset"),
    [
        (b'<meta charset="windows-1251">', "windows-1251"),
        (b"<META CHARSET=koi8-r>", "koi8-r"),
        (b'<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-6">', "ISO-8859-6"),
        (b'<?xml version="1.0" encoding="Shift_JIS"?><html>', "Shift_JIS"),
        (b"<html><head><title>none declared</title>", None),
    ],
)
def test_the_declared_charset_is_found_in_meta_or_xml_declaration(head: bytes, charset: str | None) -> None:
    assert declared_charset(head + b"<body>text</body>") == charset


def test_a_charset_declared_after_the_first_4_kb_is_not_looked_for() -> None:
    late = b"<html><!--" + b"x" * 4096 + b'--><meta charset="koi8-r">'
    assert declared_charset(late) is None
    assert declared_charset(late[-30:]) == "koi8-r"


def test_a_real_page_declares_its_charset(tmp_path: Path) -> None:
    assert (
        declared_charset(realdoc("testHTMLNoisyMetaEncoding_1.html", tmp_path).read_bytes()) == "iso-8859-6"
    )
    assert declared_charset(realdoc("boilerplate-whitespace.html", tmp_path).read_bytes()) == "utf-8"


def test_blocks_get_their_own_lines_and_inline_markup_none() -> None:
    title, text = visible_text(
        "<div>Intro <em>with</em> <a href='#'>a link</a></div><ul><li>one</li><li>two</li></ul>"
        "<table><tr><td>cell</td></tr></table>br<br>after<p>\n\n  spaced   out  \n</p>"
    )
    assert title is None
    assert text == "Intro with a link\none\ntwo\ncell\nbr\nafter\nspaced out"


def test_hidden_elements_are_not_text_however_nested() -> None:
    _, text = visible_text(
        "<p>shown</p><svg><text>svg label</text><svg>inner</svg>still svg</svg><p>also shown</p>"
        "<template><p>later</p></template><iframe>fallback</iframe><script>var a = '<p>x</p>';</script>"
    )
    assert text == "shown\nalso shown"


def test_the_title_is_the_title_element_with_its_spaces_collapsed() -> None:
    title, text = visible_text("<head><title>\n  Annual\n  report  </title></head><body>Body</body>")
    assert (title, text) == ("Annual report", "Body")


def test_a_real_page_keeps_list_items_apart_and_cjk_words_whole(tmp_path: Path) -> None:
    document = extract(realdoc("boilerplate-whitespace.html", tmp_path), 10**8)
    assert document.title == "Title"
    assert "\nitem_a\nitem_b\n" in document.text
    assert "This breaks CJK: 有什么需要我帮你的?" in " ".join(document.text.split("\n"))


def test_a_meta_title_does_not_replace_the_title_element(tmp_path: Path) -> None:
    document = extract(realdoc("testHTML_metadata_two_titles.html", tmp_path), 10**8)
    assert document.title == "ActualTitle"
    assert document.text == "All meta information goes in the head section..."
