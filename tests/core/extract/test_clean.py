"""Text at the boundary: what extractors return is made valid before chunking, FTS and the model."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from desktop_search.core.chunk import chunk_document
from desktop_search.core.extract import ExtractedDocument, extract
from desktop_search.core.extract.clean import clean_document, clean_text, looks_garbled
from desktop_search.core.model.embed import Embedder
from tests.conftest import realdoc

ANY_CODE_POINT = st.characters(blacklist_categories=())  # surrogates and non-characters included


def test_surrogate_pairs_become_their_character_and_lone_ones_a_replacement() -> None:
    # What an RTF "\u-10240?\u-8398?" (the Gothic letter ahsa) decodes to: two code units.
    assert clean_text("Gothic: \ud800\udf32!") == "Gothic: \U00010332!"
    assert clean_text("lone \udc00 low, lone \ud800 high") == "lone \ufffd low, lone \ufffd high"


def test_a_word_hyphenated_at_a_pdf_line_end_is_one_word_again() -> None:
    assert clean_text("withholding ta\ufffebles until") == "withholding tables until"
    assert clean_text("com\ufffe\r\npile it") == "compile it"
    assert clean_text("soft\u00adhyphen") == "softhyphen"
    # A hyphen before a capital or a number was a real one: it stays, as a hyphen.
    assert clean_text("Stress\ufffeEngineered MEMS") == "Stress-Engineered MEMS"
    assert clean_text("end of line \ufffe\n") == "end of line \n"


def test_controls_and_non_characters_go_and_line_breaks_stay_breaks() -> None:
    assert clean_text("a\x00b\x07c\x7fd\x9fe\ufdd0f\uffff\U0010fffe") == "abcdef"
    assert clean_text("line one\x0bline two\u2028three\x85four") == "line one\nline two\nthree\nfour"
    assert clean_text("tab\there\r\nform\x0cfeed") == "tab\there\r\nform\x0cfeed"


def test_text_is_nfc_normalised() -> None:
    assert clean_text("cafe\u0301") == "caf\u00e9"


@given(st.text(alphabet=ANY_CODE_POINT, max_size=300))
def test_any_text_comes_out_valid_normalised_and_stable(raw: str) -> None:
    cleaned = clean_text(raw)
    cleaned.encode("utf-8")  # strict: no surrogate left
    assert unicodedata.is_normalized("NFC", cleaned)
    assert "\ufffe" not in cleaned and "\x00" not in cleaned
    assert clean_text(cleaned) == cleaned


@given(st.lists(st.text(alphabet=ANY_CODE_POINT, max_size=60), min_size=1, max_size=6))
def test_each_page_start_still_points_at_its_page(pages: list[str]) -> None:
    starts, position = [], 0
    for page in pages:
        starts.append(position)
        position += len(page)
    document = clean_document(ExtractedDocument("".join(pages), "T\ud800itle", starts))
    assert document.title == "T\ufffditle"
    bounds = [*document.page_starts[1:], len(document.text)]
    assert len(document.page_starts) == len(pages)
    for page, start, end in zip(pages, document.page_starts, bounds, strict=True):
        assert document.text[start:end] == clean_text(page)
    chunk_document(document.text, document.page_starts)


def test_the_tokenizer_takes_the_text_of_an_rtf_with_four_byte_characters(
    tmp_path: Path, embedder: Embedder
) -> None:
    # testRTFVarious.rtf once stopped all indexing: its \u escapes gave lone surrogates and
    # tokenizers' encode_batch raised TypeError.
    document = extract(realdoc("testRTFVarious.rtf", tmp_path), 10**8)
    assert "\U00010332\U0001033f\U00010344\U00010339\U00010343\U0001033a" in document.text  # Gothic
    vectors = embedder.embed_passages([c.text for c in chunk_document(document.text)])
    assert vectors.shape[0] >= 1


def test_pdfium_hyphen_marks_are_gone_from_a_real_pdf(tmp_path: Path) -> None:
    document = extract(realdoc("testPDF_childAttachments.pdf", tmp_path), 10**8)
    assert "\ufffe" not in document.text
    assert "withholding tables until" in " ".join(document.text.split())


REAL_TEXT = [
    "The committee met on Tuesday to discuss the annual budget, the new library and the roads. " * 2,
    "Однажды, в студеную зимнюю пору, я из лесу вышел; был сильный мороз. Гляжу, поднимается медленно.",
    "في قرية من القرى كان هناك رجل حكيم يعرف كل شيء عن الحياة وكان يعلم الناس كيف يعيشون بسلام",
    "太平洋戦争を前に、日本やドイツ政府の政治、軍事の機密情報をソ連に伝えたゾルゲ事件で、死刑となった"
    "ドイツ人新聞記者リヒアルト・ゾルゲと、ジャーナリスト尾崎秀実の処刑記録が見つかった。２人＝提供" * 2,
    "def parse(items: list[str]) -> dict[str, int]:\n    return {k: v**2 for k, v in zip(items, range(9))}\n"
    "if x->next != NULL && a[i] >= b[j] { total += price * qty; } // C++ and ~~markdown~~ `code`" * 2,
    "| Year | Revenue | Cost |\n| 2023 | $1,200 | $800 |\n| 2024 | $1,450 | €900 | +21% growth, 3.5e6 units",
]


def test_real_text_in_any_language_or_code_is_not_garbled() -> None:
    for text in REAL_TEXT:
        assert not looks_garbled(text), text[:40]


def test_junk_from_a_broken_font_map_is_garbled() -> None:
    shifted = "".join("^" if c == " " else chr(ord(c) - 28) if c.islower() else c for c in REAL_TEXT[0])
    assert looks_garbled(shifted)  # "TLI^GSQQMXXII^QIX..."
    scripts = "كס رШؿΧ ΜΡ шМعΥب ъΗء ΛЫСק ػиب ئاךأ шОΕب חП ΙΧם Тп ТПΞбئΓ מغЖ " * 3
    assert looks_garbled(scripts)  # Arabic turned into a jumble of scripts
    assert not looks_garbled(shifted[:60])  # too little to judge
