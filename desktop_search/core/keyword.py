"""Keyword side of search, as words: which query words count, how they become an FTS5
expression, which look like codes. No SQL here: ``core.search_reads`` runs the queries."""

from __future__ import annotations

import re

from desktop_search.core.query import ParsedQuery

_TOKEN = re.compile(r"\w+", re.UNICODE)
STOPWORDS = frozenset(
    "a an and are as at be but by can do does for from has have how i if in into is it its of on or "
    "that the their there these this to was were what when where which who why will with you your "
    "we our not no any all some such than then them they so about also been being".split()
)
_IDENTIFIER = re.compile(
    r"(?=.*\d)(?=.*[^\W\d_])"  # letters and digits: E4021, x-15, b12, v2.3
    r"|^\d{3,}$"  # a number of three or more digits: 404, 8080
    r"|[^\W_]_[^\W_]"  # snake_case
    r"|[a-z][A-Z]"  # camelCase
    r"|^[A-Z]{2,}\d*$"  # ACRONYM
    r"|\w{2,}\.\w{2,}"  # dotted.name (not i.e.)
)
_EDGE_PUNCTUATION = "()[]{}<>.,;:!?'\"`"


def quote(text: str) -> str:
    """An FTS5 string literal: matched as a phrase of its tokens, never as syntax."""
    return '"' + text.replace('"', '""') + '"'


def terms_of(text: str) -> list[str]:
    """Lower-case content words, in order, without repeats."""
    seen: dict[str, None] = {}
    for token in _TOKEN.findall(text.lower()):
        if token not in STOPWORDS:
            seen.setdefault(token, None)
    return list(seen)


def clean_token(word: str) -> str:
    """A query word without the punctuation around it."""
    return word.strip(_EDGE_PUNCTUATION)


def looks_like_identifier(word: str) -> bool:
    """Codes and identifiers: letters with digits, long numbers, snake_case, camelCase,
    ACRONYMS, dotted.names. Plain words and abbreviations like "i.e." are not."""
    token = clean_token(word)
    return len(token) >= 2 and bool(_IDENTIFIER.search(token))


COMMON_MIN_CHUNKS = 1000  # a word in more chunks than this (and than 1 %) is too common ...
COMMON_FRACTION = 0.01  # ... to be worth its BM25 cost: its IDF is near zero anyway
POSTINGS_BUDGET = 2500


def match_expression(
    parsed: ParsedQuery, frequencies: dict[str, int] | None = None, common: int = 0
) -> str | None:
    """An FTS5 query: any query word or phrase (OR, for ranking); None if there is none.

    Words found in more than ``common`` chunks (per ``frequencies``) are left out: scoring
    their long posting lists dominates the query time and adds almost nothing to BM25.
    """
    words = terms_of(" ".join(parsed.words))
    if frequencies and common:
        kept: list[str] = []
        postings = 0
        # The rarest words carry BM25; past a budget of postings to score, the remaining
        # (more common) words of a long query add cost, not signal.
        for word in sorted(words, key=lambda w: frequencies.get(w, 0)):
            df = frequencies.get(word, 0)
            if df > common or (kept and postings + df > POSTINGS_BUDGET):
                break
            kept.append(word)
            postings += df
        words = kept
    positives = [quote(t) for t in words] + [quote(p) for p in parsed.phrases]
    return " OR ".join(positives) if positives else None
