"""Words as search compares them: one rule for the keyword index, snippets and highlighting.

The FTS5 tables tokenize with ``porter unicode61 remove_diacritics 2``; a word matches
another when, lower-cased and without diacritics, they have the same Porter stem (bake,
baking and baked; café and cafe). A snippet is centred on the sentence with the most query
words *by that rule*, and the UI marks the same words, so what is shown as a hit is what
the keyword index found.
"""

from __future__ import annotations

import functools
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator

from desktop_search.core.schema import FTS_TOKENIZER

WORD = re.compile(r"\w+", re.UNICODE)
MAX_CACHED_KEYS = 100_000

_cache: dict[str, str] = {}
_lock = threading.Lock()
_tokenizer: sqlite3.Connection | None = None


def is_word_char(char: str) -> bool:
    """What ``\\w`` matches in a str pattern."""
    return char.isalnum() or char == "_"


def word_keys(words: Iterable[str]) -> dict[str, str]:
    """word -> what it is compared by: the terms SQLite's FTS5 tokenizer makes of it (its
    Porter stem, lower case, no diacritics; "" for a word it drops). The keyword index's
    own tokenizer does it (on a private in-memory table), so the two cannot disagree."""
    found: dict[str, str] = {}
    missing: list[str] = []
    for word in set(words):
        key = _cache.get(word)
        if key is None:
            missing.append(word)
        else:
            found[word] = key
    if missing:
        with _lock:
            db = _tokenizer_table()
            db.executemany("INSERT INTO words(rowid, word) VALUES (?, ?)", enumerate(missing, 1))
            terms: dict[int, list[str]] = {}
            for term, row in db.execute("SELECT term, doc FROM tokens ORDER BY doc, offset"):
                terms.setdefault(int(row), []).append(str(term))
            db.execute("DELETE FROM words")
            if len(_cache) > MAX_CACHED_KEYS:
                _cache.clear()
            for row, word in enumerate(missing, 1):
                found[word] = _cache[word] = " ".join(terms.get(row, []))
    return found


def word_key(word: str) -> str:
    """What one word is compared by (see ``word_keys``)."""
    return word_keys([word])[word]


def _tokenizer_table() -> sqlite3.Connection:
    global _tokenizer
    if _tokenizer is None:
        _tokenizer = sqlite3.connect(":memory:", check_same_thread=False)
        _tokenizer.execute(f"CREATE VIRTUAL TABLE words USING fts5(word, tokenize='{FTS_TOKENIZER}')")
        _tokenizer.execute("CREATE VIRTUAL TABLE tokens USING fts5vocab(words, 'instance')")
    return _tokenizer


@functools.lru_cache(maxsize=256)
def keys_of(terms: frozenset[str]) -> frozenset[str]:
    """The keys of query words (see ``word_keys``)."""
    return frozenset(key for key in word_keys(terms).values() if key)


def matching_words(text: str, terms: Iterable[str]) -> Iterator[tuple[int, int, str]]:
    """(start, end, key) of each word of ``text`` that matches one of ``terms``, in order."""
    keys = keys_of(frozenset(terms))
    if not keys:
        return
    if text.isascii():
        # A word's stem, less its last letter (happy -> happi), is a prefix of the word: only
        # words starting where str.find puts one are keyed, not every word of the text.
        lowered = text.lower()
        starts: set[int] = set()
        for prefix in {_prefix(key) for key in keys}:
            position = lowered.find(prefix)
            while position != -1:
                if position == 0 or not is_word_char(lowered[position - 1]):
                    starts.add(position)
                position = lowered.find(prefix, position + 1)
        candidates = [m for m in (WORD.match(text, start) for start in sorted(starts)) if m is not None]
    else:  # diacritics and case folding change letters: every word is a candidate
        candidates = list(WORD.finditer(text))
    keyed = word_keys(m.group() for m in candidates)
    for match in candidates:
        key = keyed[match.group()]
        if key in keys:
            yield match.start(), match.end(), key


def _prefix(key: str) -> str:
    first = key.split(" ", 1)[0]  # "wing tip": the terms of wing_tip
    return first[:-1] if len(first) > 2 else first
