"""Query -> embedding (with the query prefix) -> nearest chunks -> results grouped by file.

Each file is scored by its best chunk; its snippet is trimmed around the sentence of that
chunk that shares the most words with the query, and is an exact slice of the extracted
text (``text[start:end] == snippet``), so the UI can highlight and jump to it.
"""

from __future__ import annotations

import itertools
import re
import time
from dataclasses import dataclass, field

from desktop_search.core.ann import AnnIndex
from desktop_search.core.embed import Embedder
from desktop_search.core.store import ChunkHit, Store

SNIPPET_CHARS = 240
PASSAGES_PER_FILE = 3
CANDIDATES_PER_RESULT = 8
MIN_CANDIDATES = 64
FULL_RESULTS = 20  # results beyond this rank carry only their best passage

_WORD = re.compile(r"\w+", re.UNICODE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n\s*\n")
STOPWORDS = frozenset(
    "a an and are as at be by can do does for from has have how i if in into is it its of on or "
    "that the their there these this to was were what when where which who why will with you "
    "your".split()
)


@dataclass(frozen=True)
class Passage:
    """One matching passage of a file: the chunk's place and a snippet cut from it."""

    score: float
    snippet: str
    start: int
    end: int
    line: int | None
    page: int | None
    chunk_start: int
    chunk_end: int


@dataclass(frozen=True)
class SearchResult:
    """A file that matches, its score (its best passage's) and up to three passages."""

    path: str
    title: str | None
    score: float
    passages: list[Passage] = field(default_factory=list)

    @property
    def best(self) -> Passage:
        return self.passages[0]

    def to_json(self) -> dict[str, object]:
        best = self.best
        return {
            "path": self.path,
            "score": round(self.score, 6),
            "snippet": best.snippet,
            "start": best.start,
            "end": best.end,
            "line": best.line,
            "page": best.page,
            "title": self.title,
        }


@dataclass(frozen=True)
class SearchResponse:
    """Results, best first, and how long the query took."""

    query: str
    results: list[SearchResult]
    seconds: float


def query_terms(query: str) -> set[str]:
    """Lower-case content words of the query (used for snippets and highlighting)."""
    return {w for w in (m.group(0).lower() for m in _WORD.finditer(query)) if w not in STOPWORDS}


def best_snippet(text: str, terms: set[str], max_chars: int = SNIPPET_CHARS) -> tuple[int, int]:
    """[start, end) in ``text`` of a ~``max_chars`` window around its best sentence."""
    if len(text) <= max_chars:
        return 0, len(text)
    bounds = [0] + [m.end() for m in _SENTENCE_END.finditer(text)] + [len(text)]
    lowered = text.lower()
    best_start, best_end, best_hits = 0, bounds[1], -1
    for start, end in itertools.pairwise(bounds):
        hits = len(terms.intersection(_WORD.findall(lowered, start, end)))
        if hits > best_hits:
            best_start, best_end, best_hits = start, end, hits
    # Centre the window on the sentence, clipped to the text, cut at word boundaries.
    if best_end - best_start >= max_chars:
        start, end = best_start, best_start + max_chars
    else:
        slack = (max_chars - (best_end - best_start)) // 2
        start = max(0, best_start - slack)
        end = min(len(text), start + max_chars)
        start = max(0, end - max_chars)
    if start > 0:
        space = text.find(" ", start, best_start + 1)
        start = space + 1 if space != -1 else start
    if end < len(text):
        space = text.rfind(" ", best_end if best_end < end else start, end)
        end = space if space > start else end
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _passage(hit: ChunkHit, score: float, terms: set[str]) -> Passage:
    if hit.kind == "name":
        return Passage(score, hit.text, 0, 0, None, None, 0, 0)
    start, end = best_snippet(hit.text, terms)
    line = hit.line + hit.text.count("\n", 0, start) if hit.line is not None else None
    return Passage(
        score, hit.text[start:end], hit.start + start, hit.start + end, line, hit.page, hit.start, hit.end
    )


class Searcher:
    """Answers queries against one model's vectors (reads only)."""

    def __init__(self, store: Store, ann: AnnIndex, embedder: Embedder) -> None:
        if ann.model_id != embedder.model_id:
            raise ValueError("the ANN index and the embedder must be for the same model")
        self.store = store
        self.ann = ann
        self.embedder = embedder

    def search(self, query: str, limit: int = 10) -> SearchResponse:
        started = time.perf_counter()
        query = query.strip()
        if not query or limit <= 0:
            return SearchResponse(query, [], 0.0)
        vector = self.embedder.embed_query(query)
        ids, scores = self.ann.query(vector, max(MIN_CANDIDATES, limit * CANDIDATES_PER_RESULT))
        hits = self.store.chunk_hits(ids)
        terms = query_terms(query)
        by_file: dict[int, list[tuple[float, ChunkHit]]] = {}
        for chunk_id, score in zip(ids, scores, strict=True):
            hit = hits.get(chunk_id)
            if hit is not None:  # a chunk deleted since the ANN was last synced is skipped
                by_file.setdefault(hit.file_id, []).append((score, hit))
        # by_file keeps the order of first appearance, i.e. files sorted by their best chunk.
        results = []
        for rank, ranked in enumerate(list(by_file.values())[:limit]):
            per_file = PASSAGES_PER_FILE if rank < FULL_RESULTS else 1
            # Text passages first: a title match still shows real text if the file has some.
            texts = [(s, h) for s, h in ranked if h.kind != "name"]
            names = [(s, h) for s, h in ranked if h.kind == "name"]
            passages = [_passage(h, s, terms) for s, h in (texts + names)[:per_file]]
            top = ranked[0][1]
            results.append(SearchResult(top.path, top.title, ranked[0][0], passages))
        return SearchResponse(query, results, time.perf_counter() - started)
