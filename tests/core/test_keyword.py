"""The keyword side of search, as words: query words, FTS5 expressions, identifiers.

What becomes an FTS5 query is run against a real in-memory FTS5 table with the index's own
tokenizer, so each expression is checked to parse and to match the rows it should.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest

from desktop_search.core.keyword import (
    POSTINGS_BUDGET,
    STOPWORDS,
    clean_token,
    looks_like_identifier,
    match_expression,
    quote,
    terms_of,
)
from desktop_search.core.query import ParsedQuery, parse_query
from desktop_search.core.schema import FTS_TOKENIZER

ROWS = [
    "Send an e-mail to the landlord about the lease.",
    "C++ templates and the standard library.",
    "The café on the corner is open on Sundays.",
    "Running shoes for the marathon.",
    "The function parse_config reads snake_case names.",
    "Please do NOT disturb: meeting in progress.",
    "A cottage near the river, with a garden.",
    "Error E4021 at boot; see the manual.",
    'He said "hello" and left.',
    "Banana bread: bake for an hour.",
]


@pytest.fixture
def fts() -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(":memory:")
    db.execute(f"CREATE VIRTUAL TABLE chunks_fts USING fts5(text, tokenize='{FTS_TOKENIZER}')")
    db.executemany("INSERT INTO chunks_fts(rowid, text) VALUES (?, ?)", list(enumerate(ROWS, start=1)))
    yield db
    db.close()


def matches(db: sqlite3.Connection, expression: str) -> set[str]:
    """The rows an FTS5 expression matches (raises if FTS5 cannot parse it)."""
    found = db.execute("SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ?", (expression,)).fetchall()
    return {ROWS[rowid - 1] for (rowid,) in found}


def row_with(word: str) -> str:
    (row,) = [r for r in ROWS if word in r]
    return row


# -- quote ------------------------------------------------------------------------------------


def test_quote_makes_an_fts5_string_literal() -> None:
    assert quote("tax") == '"tax"'
    assert quote('say "hi"') == '"say ""hi"""'
    assert quote("") == '""'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("e-mail", "e-mail"),  # bare, FTS5 reads "mail" as a column
        ("C++", "C++"),  # bare, a syntax error
        ("NOT", "NOT disturb"),  # bare, an operator
        ("OR", None),  # bare, an operator; no row has the word
        ("NEAR", "near the river"),
        ("col:x", None),  # bare, a column filter
        ("*", None),  # bare, a special query
        ("!!!", None),  # punctuation only: no token, no match, no error
        ("", None),
        ("^lease", "landlord"),  # bare, an initial-token query
        ('"hello"', "hello"),
        ("parse_config", "parse_config"),
    ],
)
def test_a_quoted_word_is_never_syntax(fts: sqlite3.Connection, text: str, expected: str | None) -> None:
    assert matches(fts, quote(text)) == ({row_with(expected)} if expected else set())


def test_a_quoted_text_is_a_phrase_of_its_tokens(fts: sqlite3.Connection) -> None:
    assert matches(fts, quote("near the river")) == {row_with("river")}
    assert matches(fts, quote("near(river)")) == set()  # "near river": not next to each other
    assert matches(fts, quote("river near")) == set()


def test_the_tokenizer_stems_and_folds_accents(fts: sqlite3.Connection) -> None:
    assert matches(fts, quote("runs")) == {row_with("Running")}  # porter
    assert matches(fts, quote("baking")) == {row_with("Banana")}
    assert matches(fts, quote("CAFE")) == {row_with("café")}  # case and diacritics


# -- terms_of, clean_token --------------------------------------------------------------------


def test_terms_are_lower_case_content_words_in_order_without_repeats() -> None:
    assert terms_of("The Tax-Return and the TAX return") == ["tax", "return"]
    assert terms_of("Über die Straße, naïve café") == ["über", "die", "straße", "naïve", "café"]
    assert terms_of("parse_config(x) E4021") == ["parse_config", "x", "e4021"]
    assert terms_of("what is the and of it") == []
    assert terms_of("") == [] and terms_of("!!! --- ???") == []


def test_stopwords_are_lower_case_single_words() -> None:
    assert STOPWORDS and all(w == w.lower() and w.isalpha() for w in STOPWORDS)
    assert {"the", "and", "or", "not"} <= STOPWORDS  # FTS5's operators are among them


@pytest.mark.parametrize(
    ("word", "cleaned"),
    [
        ('("hello,")', "hello"),
        ("end.", "end"),
        ("`code`", "code"),
        ("[x-15]!", "x-15"),
        ("e-mail", "e-mail"),  # inner punctuation stays
        ("os.path", "os.path"),
        ("don't", "don't"),
        ("-draft", "-draft"),  # a minus is not punctuation around a word
        ("...", ""),
    ],
)
def test_clean_token_strips_the_punctuation_around_a_word(word: str, cleaned: str) -> None:
    assert clean_token(word) == cleaned


# -- looks_like_identifier -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "word",
    ["E4021", "x-15", "b12", "v2.3", "404", "8080", "snake_case", "camelCase", "NASA", "HTTP2",
     "os.path", "(E4021),", "parse_config()"],
)  # fmt: skip
def test_codes_and_identifiers_are_recognised(word: str) -> None:
    assert looks_like_identifier(word)


@pytest.mark.parametrize(
    "word", ["hello", "Hello", "Paris", "i.e.", "e.g.", "42", "a", "x", "", "...", "don't", "e-mail"]
)
def test_plain_words_and_abbreviations_are_not_identifiers(word: str) -> None:
    assert not looks_like_identifier(word)


# -- match_expression --------------------------------------------------------------------------


def test_words_and_phrases_become_an_or_of_literals(fts: sqlite3.Connection) -> None:
    parsed = parse_query('banana lease "near the river" -draft type:txt after:2024')
    expression = match_expression(parsed)
    assert expression == '"banana" OR "lease" OR "near the river"'  # no filters, no exclusions
    assert matches(fts, expression) == {row_with("Banana"), row_with("landlord"), row_with("river")}


def test_nothing_to_search_is_none() -> None:
    assert match_expression(parse_query("the of and type:pdf in:Finance")) is None
    assert match_expression(parse_query('"" !!! -"x"')) is None
    assert match_expression(ParsedQuery(raw="", text="")) is None


@pytest.mark.parametrize(
    "raw",
    [
        "cats AND NOT dogs OR NEAR(mice)",
        'say "hello',  # an unclosed quote
        "foo* ^bar text:baz (qux) {a b}",
        'x:y:z - -- "-" \'',
        "C++ e-mail col:x -- NOT",
        "E4021 parse_config() v2.3",
        "naïve café Straße",
        "\x00 \u200b \ud800 \U0001f600 tax",  # a NUL, a zero-width space, a lone surrogate, an emoji
    ],
)
def test_any_query_makes_an_expression_fts5_runs(fts: sqlite3.Connection, raw: str) -> None:
    expression = match_expression(parse_query(raw))
    if expression is not None:
        matches(fts, expression)  # raises sqlite3.OperationalError on a syntax error


def test_operator_words_are_searched_as_words(fts: sqlite3.Connection) -> None:
    expression = match_expression(parse_query("cats AND NOT dogs OR NEAR(mice)"))
    assert expression == '"cats" OR "dogs" OR "near" OR "mice"'  # and/not/or are stopwords
    assert matches(fts, expression) == {row_with("river")}  # the row with "near"


def test_a_phrase_with_quotes_inside_still_runs(fts: sqlite3.Connection) -> None:
    parsed = ParsedQuery(raw="", text="", phrases=('said "hello"',))
    expression = match_expression(parsed)
    assert expression == '"said ""hello"""'
    assert matches(fts, expression) == {row_with("hello")}


def test_identifiers_and_punctuated_words_match_their_rows(fts: sqlite3.Connection) -> None:
    for raw, word in [("E4021", "E4021"), ("e-mail", "e-mail"), ("parse_config()", "parse_config")]:
        expression = match_expression(parse_query(raw))
        assert expression is not None and matches(fts, expression) == {row_with(word)}, raw


def test_words_too_common_are_left_out_rarest_first() -> None:
    parsed = parse_query('alpha beta gamma "exact words"')
    frequencies = {"alpha": 5, "beta": 2000, "gamma": 1}
    assert match_expression(parsed, frequencies, common=1000) == '"gamma" OR "alpha" OR "exact words"'
    # Without a limit (or without counts) every word stays, in the query's order.
    assert match_expression(parsed, frequencies, common=0) == (
        '"alpha" OR "beta" OR "gamma" OR "exact words"'
    )
    assert match_expression(parsed, None, common=1000) == match_expression(parsed)


def test_a_long_query_stops_at_the_postings_budget() -> None:
    share = POSTINGS_BUDGET // 2 - 1  # two words fit in the budget, a third does not
    frequencies = {"one": share, "two": share, "three": share}
    assert match_expression(parse_query("one two three"), frequencies, common=POSTINGS_BUDGET) == (
        '"one" OR "two"'
    )
    # The rarest word is kept even when it alone is past the budget (but not too common).
    big = POSTINGS_BUDGET * 2
    assert match_expression(parse_query("huge"), {"huge": big}, common=big) == '"huge"'


def test_only_common_words_and_no_phrase_is_none() -> None:
    parsed = parse_query("common words")
    assert match_expression(parsed, {"common": 5000, "words": 9000}, common=1000) is None
    phrased = parse_query('common "a phrase"')
    assert match_expression(phrased, {"common": 5000}, common=1000) == '"a phrase"'
