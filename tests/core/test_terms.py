"""One rule for which words match: the keyword index's (SQLite FTS5, porter unicode61
remove_diacritics 2), the snippet's and the highlight's."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from desktop_search.core.schema import FTS_TOKENIZER, MIGRATIONS
from desktop_search.core.store import Store
from desktop_search.core.terms import keys_of, matching_words, word_key, word_keys

SHARED = Path(__file__).resolve().parents[3] / "shared"
TEXT_ALPHABET = "abnkeisdgyhp_İßÉé1 .,-\n"


def test_words_are_keyed_as_the_keyword_index_keys_them(tmp_path: Path) -> None:
    """Every word of a real collection's text, stored in a real index: its key is the term
    the index's FTS5 table holds for it."""
    text = (SHARED / "ir" / "cranfield" / "cran.all.1400").read_text(encoding="utf-8", errors="replace")
    words = [*sorted(set(re.findall(r"[^\W\d_]+", text[:300_000]))), "café", "Résumé", "naïve", "Ångström"]
    store = Store(tmp_path / "index.sqlite3")
    root = store.add_root(str(tmp_path))
    for ordinal, word in enumerate(words):  # each word a file's name: into names_fts
        store.record_file_status(root, str(tmp_path / f"{word}.txt"), (1, 1, ordinal), "indexed", "")
    store.close()
    db = sqlite3.connect(tmp_path / "index.sqlite3")
    db.execute("CREATE VIRTUAL TABLE temp.names_vocab USING fts5vocab(main, names_fts, 'row')")
    fts_terms = {str(row[0]) for row in db.execute("SELECT term FROM temp.names_vocab")}
    tokenizers = set(re.findall(r"tokenize='([^']*)'", "".join(MIGRATIONS)))
    assert tokenizers == {FTS_TOKENIZER}
    assert set(word_keys(words).values()) - fts_terms == set()
    assert {"analog", "flexibl", "as", "cafe", "resum", "angstrom"} <= set(word_keys(words).values())


def test_inflections_and_accents_match_plain_words_do_not() -> None:
    text = "Baking bread: bake the Bananas; a banana-split. Happiness is a café, not a cafeteria."
    marked = [text[a:b] for a, b, _ in matching_words(text, ["banana", "bake", "happy", "cafe"])]
    assert marked == ["Baking", "bake", "Bananas", "banana", "Happiness", "café"]
    assert list(matching_words("nothing here", ["banana"])) == []
    assert list(matching_words("any text", [])) == []
    assert keys_of(frozenset({"running", "runs"})) == {"run"}


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=TEXT_ALPHABET, max_size=300),
    st.sets(st.text(alphabet="abnkeisdgyhp", min_size=1, max_size=8), min_size=1, max_size=4),
)
def test_the_fast_path_finds_what_trying_every_word_finds(text: str, terms: set[str]) -> None:
    """Only words where a stem's prefix starts are stemmed; the result is that of all words."""
    keys = {word_key(t) for t in terms}
    expected = [(m.start(), m.end()) for m in re.finditer(r"\w+", text) if word_key(m.group()) in keys]
    assert [(a, b) for a, b, _ in matching_words(text, terms)] == expected
