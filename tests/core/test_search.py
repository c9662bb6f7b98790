"""Snippets: exact slices around the sentence that shares most words with the query."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from desktop_search.core.search import (
    SNIPPET_CHARS,
    best_snippet,
    query_terms,
)

# Letters that lower-case to other lengths (İ), digits, marks, spaces and sentence ends.
TEXT_ALPHABET = "abcdeifgwng_İßÉé1² .!?,-\n"


def test_query_terms_drop_stopwords_and_case() -> None:
    assert query_terms("What is the Boundary-Layer of a WING?") == {"boundary", "layer", "wing"}


def test_snippet_centres_on_the_matching_sentence() -> None:
    filler = "Nothing relevant is said in this sentence at all. "
    text = filler * 6 + "The flutter speed of the wing was measured in the tunnel. " + filler * 6
    start, end = best_snippet(text, {"flutter", "wing"})
    assert "The flutter speed of the wing was measured in the tunnel." in text[start:end]
    assert end - start <= SNIPPET_CHARS
    assert not text[start].isspace() and not text[end - 1].isspace()


def test_short_text_is_its_own_snippet() -> None:
    assert best_snippet("short text", {"x"}) == (0, 10)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=2000), st.sets(st.text(min_size=1, max_size=8), max_size=4))
def test_snippet_is_always_a_valid_slice(text: str, terms: set[str]) -> None:
    start, end = best_snippet(text, terms)
    assert 0 <= start <= end <= len(text)
    assert end - start <= SNIPPET_CHARS


def test_the_snippet_is_the_sentence_with_the_query_words_as_the_index_matches_them() -> None:
    filler = "Nothing relevant is said in this sentence at all. "
    text = filler * 6 + "Wings are long. " + filler * 3 + "The wing_tip of the wings fluttered. " + filler * 6
    start, end = best_snippet(text, {"wing", "flutter"})
    assert "The wing_tip of the wings fluttered." in text[start:end]
