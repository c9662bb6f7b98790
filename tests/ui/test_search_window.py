"""Tests of ``desktop_search/ui/worker.py`` waiting to join ``tests/ui/test_worker.py``: the
words marked in a result's passage, and a row for a file deleted since it was found. (They
came from the by-feature search-window tests; ``test_worker.py`` was being edited elsewhere
when the rest moved into ``test_window.py`` and ``test_results_model.py``.)"""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from desktop_search.core.search import SearchResponse
from desktop_search.ui.worker import _light_stem, highlight_spans, make_rows


def test_highlights_find_the_words_and_their_inflections() -> None:
    text = "Baking bread: bake the Bananas; a banana-split is not bread-like"
    marked = [text[a:b] for a, b in highlight_spans(text, {"banana", "bake"})]
    assert marked == ["Baking", "bake", "Bananas", "banana"]
    assert highlight_spans("nothing here", {"banana"}) == ()


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="abnkeisdg_İßÉé1 .,-", max_size=200),
    st.sets(st.text(alphabet="abnkeisdg", min_size=1, max_size=8), min_size=1, max_size=4),
)
def test_highlights_are_the_words_that_match_by_word(text: str, terms: set[str]) -> None:
    """Only words starting with a stem are looked at; the result is that of trying every word."""
    stems = {_light_stem(term) for term in terms}
    expected = tuple(
        match.span()
        for match in re.finditer(r"\w+", text)
        if match.group().lower() in terms or _light_stem(match.group().lower()) in stems
    )
    assert highlight_spans(text, terms) == expected


def test_deleted_file_row_says_so(indexed_engine, sample_folder: Path) -> None:
    response: SearchResponse = indexed_engine.search("ripe bananas", limit=1)
    (sample_folder / "banana-bread.md").unlink()
    rows = make_rows(response, {"bananas"})
    assert rows[0].modified is None  # painted as "deleted", never a crash
