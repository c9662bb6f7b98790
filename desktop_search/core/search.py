"""Query -> parse -> dense (hnswlib) + keyword (FTS5 BM25, file names) -> fused per file.

Each file is scored by its best fused chunk, then ordered by exact-match tiers; its snippet
is trimmed around the sentence of that chunk that shares the most words with the query, and
is an exact slice of the extracted text (``text[start:end] == snippet``), so the UI can
highlight and jump to it.
"""

from __future__ import annotations

import bisect
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from desktop_search.core.ann import AnnIndex
from desktop_search.core.keyword import (
    COMMON_FRACTION,
    COMMON_MIN_CHUNKS,
    STOPWORDS,
    clean_token,
    looks_like_identifier,
    match_expression,
    terms_of,
)
from desktop_search.core.model.embed import Embedder
from desktop_search.core.query import ParsedQuery, SearchFilters, parse_query
from desktop_search.core.records import ChunkHit
from desktop_search.core.search_reads import SearchReads
from desktop_search.core.terms import matching_words

SNIPPET_CHARS = 240
PASSAGES_PER_FILE = 3
CANDIDATES_PER_RESULT = 8
MIN_CANDIDATES = 64
FULL_RESULTS = 20  # results beyond this rank carry only their best passage

# Ends where the spaces after . ! ? end, or at a blank line. (Consuming the mark instead of a
# look-behind finds the same ends at half the cost: every result's snippet runs this.)
_SENTENCE_END = re.compile(r"[.!?]\s+|\n\s*\n")


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
    return set(terms_of(query))


def best_snippet(text: str, terms: set[str], max_chars: int = SNIPPET_CHARS) -> tuple[int, int]:
    """[start, end) in ``text`` of a ~``max_chars`` window around its best sentence."""
    if len(text) <= max_chars:
        return 0, len(text)
    bounds = [0] + [m.end() for m in _SENTENCE_END.finditer(text)] + [len(text)]
    best_start, best_end = 0, bounds[1]
    # Each hit of a term is placed in its sentence by bisection. The sentence with the most
    # distinct terms wins (the first on a tie).
    found: dict[int, set[str]] = {}
    if terms:
        for position, _end, key in matching_words(text, terms):
            found.setdefault(bisect.bisect_right(bounds, position) - 1, set()).add(key)
    if found:
        best = max(sorted(found), key=lambda sentence: len(found[sentence]))
        best_start, best_end = bounds[best], bounds[best + 1]
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


@dataclass(frozen=True)
class Fusion:
    """How the dense, keyword and file-name rankings combine."""

    method: str = "weighted"  # "weighted": sum of weight * min-max score; "rrf": weight / (k + rank)
    k: float = 60.0
    dense: float = 1.0
    keyword: float = 0.5
    name: float = 0.2


# Chosen by bench/fusion_sweep.py (nDCG@10 on Cranfield, MED, ADI; see bench/README.md):
# weighted 1 : 0.5 : 0.2 had the best mean and beat dense-only and BM25-only on each.
DEFAULT_FUSION = Fusion()
MODES = ("hybrid", "dense", "keyword")
RARE_CHUNK_FRACTION = 0.002  # a plain word in fewer chunks than this counts as a rare name
DENSE_FILTER_SHARE = 0.2  # filters keeping more files than this are applied after hnswlib
MAX_TWINS = 2000  # identical passages brought in beside the dense hits (a boilerplate paragraph)


@dataclass
class _Restrictions:
    """Which files a query may return."""

    allowed: set[int] | None  # None: any file
    banned: set[int] = field(default_factory=set)
    late_phrases: list[str] = field(default_factory=list)  # to check on candidates
    late_excluded: list[str] = field(default_factory=list)

    def admits(self, file_id: int) -> bool:
        return file_id not in self.banned and (self.allowed is None or file_id in self.allowed)


@dataclass
class _KeywordSide:
    """What the keyword index says about a query: found beside the query embedding."""

    frequencies: dict[str, int]  # query word -> chunks holding it (counted up to a cap)
    lexical: dict[int, float]  # chunk id -> BM25
    names: dict[int, float]  # file id -> name BM25
    owners: dict[int, int]  # chunk id -> file id (of the lexical chunks)
    # Exact-match tiers (hybrid only): files per identifier of the query, files holding one of
    # its rare words (None: it has none), files whose name holds every query word.
    code_files: list[set[int]] = field(default_factory=list)
    rare_word_files: set[int] | None = None
    named: set[int] = field(default_factory=set)


class Searcher:
    """Answers queries against one model's vectors and the keyword index (reads only)."""

    def __init__(
        self, reads: SearchReads, ann: AnnIndex, embedder: Embedder, fusion: Fusion = DEFAULT_FUSION
    ) -> None:
        """``reads``: the database's read-only side (its owner closes it)."""
        if ann.model_id != embedder.model_id:
            raise ValueError("the ANN index and the embedder must be for the same model")
        self.reads = reads
        self.ann = ann
        self.embedder = embedder
        self.fusion = fusion
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="keyword-search")

    def close(self) -> None:
        """Stop the keyword side's thread once the searches running now are done."""
        self._pool.shutdown(wait=True)

    def search(
        self, query: str, limit: int = 10, mode: str = "hybrid", filters: SearchFilters | None = None
    ) -> SearchResponse:
        """Ranked files for a query in the query language of ``core.query``, narrowed by
        ``filters`` (the app's filter bar) when given."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        started = time.perf_counter()
        parsed = parse_query(query)
        if filters is not None:
            parsed = filters.apply(parsed)
        if limit <= 0 or (parsed.is_empty and not parsed.has_filters):
            return SearchResponse(query, [], 0.0)
        common = self._common_threshold()
        rules = self._restrictions(parsed, common)
        allowed = rules.allowed
        candidates = max(MIN_CANDIDATES, limit * CANDIDATES_PER_RESULT)
        dense: dict[int, float] = {}  # chunk id -> similarity
        # The keyword side (SQLite) runs beside the query embedding (onnxruntime): both
        # release the GIL, so the slower of the two sets the pace, not their sum.
        keyword_side = self._pool.submit(self._keyword_side, parsed, mode, common, candidates)
        if mode in ("hybrid", "dense") and parsed.text:
            vector = self.embedder.embed_query(parsed.text)
            dense = self._dense(vector, candidates, allowed)
        side = keyword_side.result()
        owners, lexical = side.owners, side.lexical
        owners.update(self.reads.chunk_owners([c for c in dense if c not in owners]))
        if parsed.is_empty:  # only filters: the most recently modified matching files
            first = self._first_chunks(self.reads.recent_files(allowed, limit))
            owners = {c: h.file_id for c, h in first.items()}
            chunk_scores = {c: 1.0 for c in first}
        else:
            chunk_scores = self._fuse_chunks(dense, lexical, mode)
        files = self._rank_files(owners, chunk_scores, side, rules, mode)
        terms = query_terms(" ".join(parsed.words + parsed.phrases))
        results = self._results(files[:limit], owners, chunk_scores, terms)
        return SearchResponse(query, results, time.perf_counter() - started)

    def _results(
        self,
        files: list[tuple[int, float]],
        owners: dict[int, int],
        chunk_scores: dict[int, float],
        terms: set[str],
    ) -> list[SearchResult]:
        """Results for ranked (file id, score) pairs: each file's best passages, snippets cut."""
        by_file: dict[int, list[int]] = {}
        for chunk_id, file_id in owners.items():
            by_file.setdefault(file_id, []).append(chunk_id)
        # Text is read only for the passages of the files shown.
        hits = self.reads.chunk_hits([c for f, _ in files for c in by_file.get(f, [])])
        results = []
        for rank, (file_id, score) in enumerate(files):
            chunks = sorted(
                (c for c in by_file.get(file_id, []) if c in hits), key=lambda c: -chunk_scores.get(c, 0.0)
            )
            if not chunks:  # found by its name only: show its opening
                first = self._first_chunks([file_id])
                hits.update(first)
                chunks = list(first)
            texts = [c for c in chunks if hits[c].kind != "name"]
            titles = [c for c in chunks if hits[c].kind == "name"]
            per_file = PASSAGES_PER_FILE if rank < FULL_RESULTS else 1
            passages = [
                _passage(hits[c], chunk_scores.get(c, 0.0), terms) for c in (texts + titles)[:per_file]
            ]
            if passages:
                top = hits[chunks[0]]
                results.append(SearchResult(top.path, top.title, score, passages))
        return results

    def more_like_this(
        self, path: str | None = None, passage: str | None = None, limit: int = 10
    ) -> SearchResponse:
        """Files similar to a whole file (the mean of its passages) or to a passage of text."""
        started = time.perf_counter()
        exclude: set[int] = set()
        if path is not None:
            found = self.reads.vectors_of_file(path, self.embedder.model_id)
            if found is None:
                return SearchResponse(path, [], 0.0)
            exclude = {found[0]}
            vector = np.mean([np.frombuffer(v, dtype=np.float32) for v in found[1]], axis=0)
            vector = (vector / max(float(np.linalg.norm(vector)), 1e-12)).astype(np.float32)
            label = path
        elif passage:
            vector, label = self.embedder.embed_passages([passage])[0], passage
        else:
            return SearchResponse("", [], 0.0)
        ids, scores = self.ann.query(vector, max(MIN_CANDIDATES, (limit + 1) * CANDIDATES_PER_RESULT))
        chunk_scores = dict(zip(ids, scores, strict=True))
        owners = {c: f for c, f in self.reads.chunk_owners(ids).items() if f not in exclude}
        best: dict[int, float] = {}
        for chunk_id, file_id in owners.items():
            best[file_id] = max(best.get(file_id, -1.0), chunk_scores[chunk_id])
        files = sorted(best.items(), key=lambda item: -item[1])[:limit]
        results = self._results(files, owners, chunk_scores, query_terms(passage or ""))
        return SearchResponse(label, results, time.perf_counter() - started)

    def passage_context(self, path: str, passage: Passage) -> tuple[str, int, int] | None:
        """The whole chunk a passage was cut from, and the passage's [start, end) in it, for
        a preview; None when the file has changed since (the chunk is gone)."""
        found = self.reads.chunk_text_at(path, passage.chunk_start, passage.chunk_end)
        if found is None:
            return None
        text, chunk_start = found
        start = min(max(passage.start - chunk_start, 0), len(text))
        return text, start, min(max(passage.end - chunk_start, start), len(text))

    def _keyword_side(self, parsed: ParsedQuery, mode: str, common: int, candidates: int) -> _KeywordSide:
        words = terms_of(" ".join(parsed.words))
        frequencies = {word: self.reads.chunk_frequency(word, common + 1) for word in words}
        match = match_expression(parsed, frequencies, common)
        side = _KeywordSide(frequencies, {}, {}, {})
        if mode in ("hybrid", "keyword") and match:
            for chunk, file_id, score in self.reads.fts_chunk_hits(match, candidates):
                side.lexical[chunk] = score
                side.owners[chunk] = file_id
            if mode == "hybrid":
                side.names = dict(self.reads.fts_name_hits(match, candidates))
        if mode == "hybrid":
            identifiers, rare_words = self._exact_tokens(parsed, frequencies)
            side.code_files = [self.reads.files_containing(token) for token in identifiers]
            if rare_words:
                side.rare_word_files = set().union(*(self.reads.files_containing(w) for w in rare_words))
            if side.names:
                side.named = self.reads.files_named(words)
        return side

    def _dense(self, vector: np.ndarray, candidates: int, allowed: set[int] | None) -> dict[int, float]:
        """Nearest chunks, with their identical twins (``_with_twins``); restricted to
        ``allowed`` files inside hnswlib when they are few, else by asking for proportionally
        more and dropping the rest afterwards (cheaper)."""
        if allowed is None:
            return self._with_twins(dict(zip(*self.ann.query(vector, candidates), strict=True)), None)
        share = len(allowed) / max(self.reads.file_count(), 1)
        if share > DENSE_FILTER_SHARE:
            ids, scores = self.ann.query(vector, int(candidates / share) + 1)
            owners = self.reads.chunk_owners(ids)
            found = {c: s for c, s in zip(ids, scores, strict=True) if owners.get(c) in allowed}
            return self._with_twins(found, allowed)
        allowed_chunks = self.reads.chunk_ids_of(allowed)
        return self._with_twins(
            dict(zip(*self.ann.query(vector, candidates, allowed_chunks), strict=True)), allowed
        )

    def _with_twins(self, dense: dict[int, float], allowed: set[int] | None) -> dict[int, float]:
        """A chunk with the same text as a hit gets the hit's score. An HNSW graph holding
        many identical vectors can leave some of them unreachable (a file's copies then hide
        the file itself); identical passages are found together here, whatever the graph."""
        twins = self.reads.identical_chunks(list(dense), self.embedder.model_id, MAX_TWINS)
        extra = {twin: dense[chunk] for chunk, twin in twins if twin not in dense}
        if allowed is not None and extra:
            owners = self.reads.chunk_owners(list(extra))
            extra = {t: s for t, s in extra.items() if owners.get(t) in allowed}
        return {**dense, **extra}

    def _restrictions(self, parsed: ParsedQuery, common: int) -> _Restrictions:
        """Filters, required phrases and exclusions as file sets; phrases too common to list
        are checked later, on the candidate files only."""
        rules = _Restrictions(self.reads.filtered_files(parsed))
        for phrase in parsed.phrases:  # a quoted phrase must be in the file
            containing = self.reads.files_containing_few(phrase, common)
            if containing is None:
                rules.late_phrases.append(phrase)
            else:
                rules.allowed = containing if rules.allowed is None else rules.allowed & containing
        for text in parsed.excluded:
            found = self.reads.files_containing_few(text, common)
            if found is None:
                rules.late_excluded.append(text)
            else:
                rules.banned |= found
        if rules.allowed is not None:
            rules.allowed -= rules.banned
        return rules

    def _fuse_chunks(self, dense: dict[int, float], lexical: dict[int, float], mode: str) -> dict[int, float]:
        if mode == "dense":
            return dense
        if mode == "keyword":
            return lexical
        return _fuse([(dense, self.fusion.dense), (lexical, self.fusion.keyword)], self.fusion)

    def _rank_files(
        self,
        owners: dict[int, int],
        chunk_scores: dict[int, float],
        side: _KeywordSide,
        rules: _Restrictions,
        mode: str,
    ) -> list[tuple[int, float]]:
        best: dict[int, float] = {}
        for chunk_id, file_id in owners.items():
            score = chunk_scores.get(chunk_id)
            if score is not None and score > best.get(file_id, float("-inf")):
                best[file_id] = score
        if mode == "hybrid" and side.names:
            best = _fuse([(best, 1.0), (side.names, self.fusion.name)], self.fusion)
        keep = {f: s for f, s in best.items() if rules.admits(f)}
        for phrase in rules.late_phrases:
            present = self.reads.files_with_text(keep, phrase)
            keep = {f: s for f, s in keep.items() if f in present}
        for text in rules.late_excluded:
            absent = keep.keys() - self.reads.files_with_text(keep, text)
            keep = {f: s for f, s in keep.items() if f in absent}
        if mode != "hybrid":  # the single-signal modes rank by their own score only
            return sorted(keep.items(), key=lambda item: -item[1])
        # Exact-match guarantee. A file holding the query's codes or identifiers comes before
        # every file without them; a file holding one of its rare words (a name, a term)
        # comes before files that only the embedding found (pure semantic near-misses).
        codes = {f: 0 for f in keep}
        for containing in side.code_files:
            for file_id in containing & keep.keys():
                codes[file_id] += 1
        if side.rare_word_files is None:
            semantic_only = dict.fromkeys(keep, False)
        else:
            lexical = (
                {owners[c] for c in side.lexical if c in owners} | side.names.keys() | side.rare_word_files
            )
            semantic_only = {f: f not in lexical for f in keep}
        # A file whose name holds every query word is what someone typing its name wants.
        return sorted(
            keep.items(),
            key=lambda item: (-codes[item[0]], item[0] not in side.named, semantic_only[item[0]], -item[1]),
        )

    def _exact_tokens(self, parsed: ParsedQuery, frequencies: dict[str, int]) -> tuple[list[str], list[str]]:
        """(identifiers and codes, rare plain words) of the query."""
        cap = max(2, int(max(len(self.ann), 1) * RARE_CHUNK_FRACTION))
        common = self._common_threshold()
        identifiers, rare = [], []
        for word in parsed.words:
            token = clean_token(word)
            if not token or token.lower() in STOPWORDS:
                continue
            if looks_like_identifier(token):
                if all(frequencies.get(part, 0) <= common for part in terms_of(token)):
                    identifiers.append(token)  # a code found everywhere (__init__) is no signal
            elif len(token) >= 4 and 0 < frequencies.get(token.lower(), cap + 1) <= cap:
                rare.append(token)
        return identifiers, rare

    def _common_threshold(self) -> int:
        """Chunks a word may appear in before it counts as too common to search by keyword."""
        total_chunks = max(len(self.ann), 1)  # one vector per chunk; cheaper than COUNT(*)
        return max(COMMON_MIN_CHUNKS, int(total_chunks * COMMON_FRACTION))

    def _first_chunks(self, file_ids: list[int]) -> dict[int, ChunkHit]:
        found: dict[int, ChunkHit] = {}
        for file_id in file_ids:
            first = self.reads.first_chunk(file_id)
            if first is not None:
                found.update(self.reads.chunk_hits([first]))
        return found


def _fuse(rankings: list[tuple[dict[int, float], float]], fusion: Fusion) -> dict[int, float]:
    """Combine scored lists (higher is better) into one score per key."""
    fused: dict[int, float] = {}
    for scores, weight in rankings:
        if not scores or weight == 0:
            continue
        if fusion.method == "rrf":
            ordered = sorted(scores, key=lambda key: -scores[key])
            for rank, key in enumerate(ordered, 1):
                fused[key] = fused.get(key, 0.0) + weight / (fusion.k + rank)
        else:  # min-max normalised scores
            low, high = min(scores.values()), max(scores.values())
            span = (high - low) or 1.0
            for key, value in scores.items():
                fused[key] = fused.get(key, 0.0) + weight * (value - low) / span
    return fused
