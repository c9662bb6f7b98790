"""Keyword side of search: SQLite FTS5 (BM25) over chunk text and over file names/paths,
plus the SQL for phrase, exclusion, type, folder and date restrictions."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

from desktop_search.core.query import ParsedQuery
from desktop_search.core.store import Store

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


class KeywordIndex:
    """Reads the FTS5 tables; every method is a read."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def chunk_hits(self, match: str, limit: int) -> list[tuple[int, int, float]]:
        """(chunk id, file id, BM25 score: higher is better) of the best chunks."""
        # The best ``limit`` first, then their files: joining before the LIMIT looked up the
        # file of every matching chunk (thousands) to keep 80 (2.4 -> 1.1 ms a query at 100k chunks).
        rows = self.store.query(
            "SELECT c.id, c.file_id, top.score FROM (SELECT rowid, -bm25(chunks_fts) AS score"
            " FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY bm25(chunks_fts) LIMIT ?) AS top"
            " JOIN chunks c ON c.id = top.rowid ORDER BY top.score DESC",
            (match, limit),
        )
        return [(int(a), int(b), float(c)) for a, b, c in rows]

    def name_hits(self, match: str, limit: int) -> list[tuple[int, float]]:
        """(file id, score) of files whose name (weighted 4x) or folders match."""
        rows = self.store.query(
            "SELECT rowid, -bm25(names_fts, 4.0, 1.0) FROM names_fts WHERE names_fts MATCH ?"
            " ORDER BY bm25(names_fts, 4.0, 1.0) LIMIT ?",
            (match, limit),
        )
        return [(int(a), float(b)) for a, b in rows]

    def files_named(self, terms: list[str]) -> set[int]:
        """Files whose name contains every one of ``terms``."""
        if not terms:
            return set()
        match = " AND ".join(f"name : {quote(t)}" for t in terms)
        return {
            int(r[0])
            for r in self.store.query("SELECT rowid FROM names_fts WHERE names_fts MATCH ?", (match,))
        }

    def files_containing(self, text: str) -> set[int]:
        """Files with a chunk (or a name) containing ``text`` as a phrase."""
        literal = quote(text)
        rows = self.store.query(
            "SELECT DISTINCT c.file_id FROM chunks_fts JOIN chunks c ON c.id = chunks_fts.rowid"
            " WHERE chunks_fts MATCH ?",
            (literal,),
        )
        names = self.store.query(
            "SELECT rowid FROM names_fts WHERE names_fts MATCH ?", (f"name : {literal}",)
        )
        return {int(r[0]) for r in rows} | {int(r[0]) for r in names}

    def files_containing_few(self, text: str, cap: int) -> set[int] | None:
        """Like ``files_containing``, or None when more than ``cap`` chunks match (too costly
        to list: check the candidates with ``files_with_text`` instead)."""
        if self.chunk_frequency(text, cap + 1) > cap:
            return None
        return self.files_containing(text)

    def files_with_text(self, file_ids: Iterable[int], text: str) -> set[int]:
        """Which of these (few) files have a chunk containing ``text`` (case-insensitive)."""
        ids = list(file_ids)
        if not ids:
            return set()
        rows = self.store.query(
            f"SELECT DISTINCT file_id FROM chunks WHERE file_id IN ({','.join('?' * len(ids))})"
            " AND instr(lower(text), ?) > 0",
            [*ids, " ".join(text.lower().split())],
        )
        return {int(r[0]) for r in rows}

    def chunk_frequency(self, term: str, cap: int) -> int:
        """How many chunks contain ``term`` (counting stops at ``cap``)."""
        rows = self.store.query(
            "SELECT COUNT(*) FROM (SELECT 1 FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT ?)",
            (quote(term), cap),
        )
        return int(rows[0][0])

    def filtered_files(self, parsed: ParsedQuery) -> set[int] | None:
        """Files passing the type, folder and date filters; None when there are none."""
        if not parsed.has_filters:
            return None
        clauses: list[str] = []
        params: list[object] = []
        if parsed.extensions:
            clauses.append(
                "(" + " OR ".join("lower(name) LIKE ? ESCAPE '\\'" for _ in parsed.extensions) + ")"
            )
            params += [f"%{_escape_like(ext.lower())}" for ext in sorted(parsed.extensions)]
        for folder in parsed.folders:
            clauses.append("(path LIKE ? ESCAPE '\\' OR path LIKE ? ESCAPE '\\')")
            params += [f"%/{_escape_like(folder)}/%", f"%\\{_escape_like(folder)}\\%"]
        if parsed.roots:
            clauses.append("(" + " OR ".join("path LIKE ? ESCAPE '\\'" for _ in parsed.roots) + ")")
            params += [_escape_like(root.rstrip("/\\") + os.sep) + "%" for root in parsed.roots]
        if parsed.after is not None:
            clauses.append("mtime_ns >= ?")
            params.append(int(parsed.after.timestamp() * 1e9))
        if parsed.before is not None:
            clauses.append("mtime_ns < ?")
            params.append(int(parsed.before.timestamp() * 1e9))
        rows = self.store.query(
            f"SELECT id FROM files WHERE status = 'indexed' AND {' AND '.join(clauses)}", params
        )
        return {int(r[0]) for r in rows}

    def chunk_ids_of(self, file_ids: Iterable[int]) -> set[int]:
        ids = list(file_ids)
        found: set[int] = set()
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            rows = self.store.query(
                f"SELECT id FROM chunks WHERE file_id IN ({','.join('?' * len(part))})", part
            )
            found.update(int(r[0]) for r in rows)
        return found

    def recent_files(self, file_ids: set[int] | None, limit: int) -> list[int]:
        """Most recently modified indexed files (for a query that is only filters)."""
        rows = self.store.query(
            "SELECT id FROM files WHERE status = 'indexed' ORDER BY mtime_ns DESC LIMIT ?",
            (limit if file_ids is None else 1_000_000,),
        )
        ordered = [int(r[0]) for r in rows]
        return [f for f in ordered if file_ids is None or f in file_ids][:limit]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
