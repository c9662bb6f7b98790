"""Background work for the window: the one indexing thread, and queries off the GUI thread.

``IndexWorker`` runs the core's ``LiveIndexer`` loop on one QThread (the only writer of the
data dir) and turns its plain callbacks into typed signals. ``SearchRunner`` runs queries on
a one-thread pool, tags each with a generation number and drops answers that are stale.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QThread, QTimer, Signal

from desktop_search.core.engine import Engine
from desktop_search.core.indexer import REEMBEDDING, IndexProgress
from desktop_search.core.live import LiveIndexer, LiveState
from desktop_search.core.priority import lower_thread_priority
from desktop_search.core.query import SearchFilters
from desktop_search.core.scan import os_paths
from desktop_search.core.search import Passage, SearchResponse, SearchResult, query_terms
from desktop_search.core.terms import matching_words
from desktop_search.ui.tasks import Task, TaskRunner

log = logging.getLogger(__name__)

IDLE_RELEASE_MS = 10_000  # no query for this long: caches are handed back (Engine.release_memory)
# A model unused this long (no query, no indexing) is unloaded (~30 MB) until needed: it loads
# again in ~0.1 s, and opening the window starts that before the first key.
MODEL_IDLE_S = 60.0
MODEL_CHECK_MS = 15_000
FIRST_PAGE = 10  # a window shows ~7 rows: the first answer is cut to what is seen, so it is fast
MORE_LIMIT = 50  # scrolling to the end asks again for this many
PREVIEW_PASSAGES = 3
PROGRESS_INTERVAL_S = 0.12
# The GUI, the search thread, its keyword helper and the indexer share one interpreter: a
# thread waiting for the GIL waits up to this long. Python's 5 ms default put whole
# multiples of it into keystroke -> results (bench.gui_latency: p95 31 -> 27 ms at 1 ms).
SWITCH_INTERVAL_S = 0.001


def make_interpreter_responsive() -> None:
    """Hand the GIL between threads every millisecond (see ``SWITCH_INTERVAL_S``)."""
    sys.setswitchinterval(SWITCH_INTERVAL_S)


def freeze_startup_objects() -> None:
    """Take what is alive once the app has started (modules, Qt wrappers, the engine) out of
    the cyclic garbage collector's sight. Those objects live as long as the app, yet every
    full collection walked all of them: ~15 ms with 100k chunks open (more on a cold CPU),
    landing on whichever thread happened to allocate, a keystroke's search included. Objects
    made later are collected as before."""
    gc.collect()
    gc.freeze()


class _IndexThread(QThread):
    def __init__(self, live: LiveIndexer) -> None:
        super().__init__()
        self.live = live
        self.setObjectName("desktop-search-indexer")
        self.native_id: int | None = None

    def run(self) -> None:
        self.native_id = threading.get_native_id()
        lower_thread_priority()
        self.live.run()


class IndexWorker(QObject):
    """Start with ``start()``; ``stop_and_wait()`` on quit. Signals arrive in the GUI thread."""

    progress = Signal(object)  # IndexProgress
    state_changed = Signal(object)  # LiveState

    def __init__(self, engine: Engine, parent: QObject | None = None, quiet_s: float = 1.0) -> None:
        super().__init__(parent)
        self.engine = engine
        self.live = LiveIndexer(
            engine, quiet_s=quiet_s, progress=self._progress, on_state=self.state_changed.emit
        )
        self.indexing_thread = _IndexThread(self.live)
        self._last_progress = 0.0

    def _progress(self, progress: IndexProgress) -> None:
        """On the indexing thread: at most ~8 updates a second cross to the GUI."""
        now = time.monotonic()
        if now - self._last_progress >= PROGRESS_INTERVAL_S or progress.done >= progress.total:
            self._last_progress = now
            self.progress.emit(progress)

    def start(self) -> None:
        self.indexing_thread.start(QThread.Priority.LowPriority)

    def is_running(self) -> bool:
        return bool(self.indexing_thread.isRunning())

    def pause(self) -> None:
        self.live.pause()

    def resume(self) -> None:
        self.live.resume()

    @property
    def paused(self) -> bool:
        return self.live.paused

    def stop_and_wait(self, timeout_ms: int = 1800) -> bool:
        """Ask the loop to checkpoint and return; True when the thread ended in time."""
        self.live.request_stop()
        return bool(self.indexing_thread.wait(timeout_ms))


@dataclass(frozen=True)
class ResultRow:
    """One result as the window shows it (made off the GUI thread)."""

    path: str
    name: str
    folder: str
    suffix: str
    modified: float | None  # seconds since the epoch; None when the file is gone
    snippet: str
    highlights: tuple[tuple[int, int], ...]  # [start, end) in snippet
    page: int | None
    line: int | None
    result: SearchResult = field(repr=False, compare=False)


@dataclass(frozen=True)
class Answer:
    """What a query brought back, with the figures the status line shows."""

    query: str
    rows: list[ResultRow]
    seconds: float
    terms: frozenset[str]
    similar_to: str | None = None
    filters: SearchFilters | None = None
    limit: int = FIRST_PAGE

    @property
    def complete(self) -> bool:
        """False when there may be more results than this answer holds."""
        return len(self.rows) < self.limit


def highlight_spans(text: str, terms: set[str] | frozenset[str]) -> tuple[tuple[int, int], ...]:
    """Where the query's words are in ``text``, matched as the keyword index matches them
    (``core.terms``: bake/baking, banana/bananas, cafe/café)."""
    return tuple((start, end) for start, end, _ in matching_words(text, terms))


def make_rows(response: SearchResponse, terms: set[str]) -> list[ResultRow]:
    rows = []
    for result in response.results:
        path = Path(result.path)
        try:
            modified: float | None = os.stat(os_paths(result.path)[0]).st_mtime
        except OSError:
            modified = None
        snippet = " ".join(result.best.snippet.split())
        rows.append(
            ResultRow(
                result.path, path.name, str(path.parent), path.suffix.lower(), modified, snippet,
                highlight_spans(snippet, terms), result.best.page, result.best.line, result,
            )
        )  # fmt: skip
    return rows


@dataclass(frozen=True)
class Preview:
    """The selected file's best passages in context: (label, text, [start, end) of the passage)."""

    path: str
    passages: list[tuple[str, str, int, int]]
    terms: frozenset[str]


def preview_passages(
    contexts: Iterable[tuple[Passage, tuple[str, int, int] | None]], limit: int
) -> list[tuple[str, str, int, int]]:
    """The preview's passages, best first, from (passage, its chunk's text and the passage's
    [start, end) in it): each chunk shown once, without the text an earlier one shows already
    (chunks overlap), labelled with the lines it shows."""
    shown: list[tuple[int, int]] = []  # document offsets already in the preview
    passages: list[tuple[str, str, int, int]] = []
    for passage, context in contexts:
        if len(passages) == limit:
            break
        if context is None or any(passage.start < high and passage.end > low for low, high in shown):
            continue  # the file changed since; or this passage is (partly) in view already
        text, start, end = context
        low, high = passage.chunk_start, passage.chunk_start + len(text)
        for shown_low, shown_high in shown:  # cut what is shown already, keeping the passage
            if shown_low < high and shown_high > low:
                if passage.end <= shown_low:
                    high = shown_low
                elif passage.start >= shown_high:
                    low = shown_high
        cut = low - passage.chunk_start
        text, start, end = text[cut : high - passage.chunk_start], start - cut, end - cut
        shown.append((low, high))
        passages.append((context_label(passage, text, start), text, start, end))
    return passages


def context_label(passage: Passage, text: str, start: int) -> str:
    """Where the shown text is, e.g. "Page 2 · Lines 14\u201331": the lines of all of it,
    not only of the shaded passage in it."""
    where = []
    if passage.page:
        where.append(f"Page {passage.page}")
    if passage.line:
        first = passage.line - text.count("\n", 0, start)
        last = first + text.rstrip("\n").count("\n")
        where.append(f"Line {first}" if last == first else f"Lines {first}\u2013{last}")
    return " · ".join(where)


QUERIES, READS = "queries", "reads"  # the search lanes: a preview never delays a query


class SearchRunner(QObject):
    """Queries off the GUI thread; only the newest answer is delivered. Previews and other
    reads run on a second thread, so a preview being laid out never delays the next query."""

    answered = Signal(object)  # Answer
    more_answered = Signal(object)  # Answer: a longer list for the query on show
    failed = Signal(str)
    preview_ready = Signal(object)  # Preview

    def __init__(self, engine: Engine, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.generation = 0
        self.preview_generation = 0
        self.tasks = TaskRunner(self)
        self.idle_timer = QTimer(self, singleShot=True, interval=IDLE_RELEASE_MS)
        self.idle_timer.timeout.connect(self._release_memory)
        self.model_timer = QTimer(self, interval=MODEL_CHECK_MS)
        self.model_timer.timeout.connect(self._unload_idle_models)
        self.model_timer.start()

    def search(self, query: str, filters: SearchFilters | None = None, limit: int = FIRST_PAGE) -> int:
        """Start a query; returns its generation. Older answers still running will be dropped."""
        self.generation += 1
        generation = self.generation
        self._start(generation, self._query_work(query, filters, limit), self.answered)
        return generation

    def more_like_this(self, path: str, limit: int = FIRST_PAGE) -> int:
        self.generation += 1
        generation = self.generation
        self._start(generation, self._similar_work(path, limit), self.answered)
        return generation

    def more(self, shown: Answer, limit: int = MORE_LIMIT) -> None:
        """Ask again for up to ``limit`` results of the answer on show (the list scrolled to
        its end); delivered as ``more_answered`` unless another query started meanwhile."""
        work = (
            self._similar_work(shown.similar_to, limit)
            if shown.similar_to
            else self._query_work(shown.query, shown.filters, limit)
        )
        self._start(self.generation, work, self.more_answered)

    def _query_work(self, query: str, filters: SearchFilters | None, limit: int) -> Callable[[], Answer]:
        def work() -> Answer:
            started = time.perf_counter()
            response = self.engine.search(query, limit, filters=filters)
            terms = query_terms(query)
            rows = make_rows(response, terms)
            seconds = time.perf_counter() - started
            return Answer(query, rows, seconds, frozenset(terms), filters=filters, limit=limit)

        return work

    def _similar_work(self, path: str, limit: int) -> Callable[[], Answer]:
        def work() -> Answer:
            started = time.perf_counter()
            response = self.engine.searcher().more_like_this(path=path, limit=limit)
            rows = make_rows(response, set())
            seconds = time.perf_counter() - started
            return Answer("", rows, seconds, frozenset(), similar_to=path, limit=limit)

        return work

    def cancel(self) -> None:
        """Drop whatever is running (the field was cleared)."""
        self.generation += 1

    def _in_background(self, work: Callable[[], object]) -> None:
        """Housekeeping in the query lane, between queries; nothing comes back."""
        self.tasks.run(QUERIES, lambda _task: work(), failed=log.warning)

    def _release_memory(self) -> None:
        self._in_background(self.engine.release_memory)

    def _unload_idle_models(self) -> None:
        self._in_background(lambda: self.engine.unload_idle_models(MODEL_IDLE_S))

    def warm_up(self) -> None:
        """Load the model (if it was unloaded) and vectors now: the window just opened."""
        self._in_background(self.engine.warm_up)

    def _start(self, generation: int, work: Callable[[], Answer], deliver: Any) -> None:
        self.idle_timer.start()  # restarted by every query

        def answered(answer: Answer) -> None:
            if generation == self.generation:  # a newer query makes this one stale
                deliver.emit(answer)

        def failed(message: str) -> None:
            if generation == self.generation:
                self.failed.emit(message)

        self.tasks.run(QUERIES, lambda _task: work(), answered, failed)

    def preview(self, row: ResultRow, terms: frozenset[str]) -> None:
        self.preview_generation += 1
        generation = self.preview_generation

        def work(_task: Task) -> Preview:
            searcher = self.engine.searcher()
            passages = row.result.passages
            contexts = ((passage, searcher.passage_context(row.path, passage)) for passage in passages)
            return Preview(row.path, preview_passages(contexts, PREVIEW_PASSAGES), terms)

        def ready(preview: Preview) -> None:
            if generation == self.preview_generation:
                self.preview_ready.emit(preview)

        self.tasks.run(READS, work, ready, log.warning)

    def fetch(self, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        """Read something from the index off the GUI thread; ``done(value)`` runs in the GUI thread."""
        self.tasks.run(READS, lambda _task: work(), done, log.warning)

    def shutdown(self, timeout_ms: int = 1500) -> None:
        self.idle_timer.stop()
        self.model_timer.stop()
        self.generation += 1
        self.preview_generation += 1
        self.tasks.shutdown(timeout_ms)


def describe_state(state: LiveState) -> str:
    """One line for the tray and the status bar."""
    if state.error:
        return f"Problem: {state.error}"
    if state.paused:
        return "Indexing paused"
    if state.pending or state.busy:
        return f"Indexing… {state.pending:,} files to check" if state.pending else "Checking folders…"
    return "Index up to date"


def eta_text(progress: IndexProgress) -> str:
    """'Indexing 1,234 of 5,000 files · 12 files/s · about 5 min left' (or, after a model
    change, 'Reading your files with the new model: 1,234 of 5,000 passages · …')."""
    done, total = progress.done, max(progress.total, progress.done)
    if progress.phase == REEMBEDDING:
        parts = [f"Reading your files with the new model: {done:,} of {total:,} passages"]
        rate, unit = progress.chunks_per_s, "passages/s"
    else:
        parts = [f"Indexing {done:,} of {total:,} files"]
        rate, unit = progress.files_per_s, "files/s"
    if rate > 0 and progress.elapsed_s > 2:
        parts.append(f"{rate:,.1f} {unit}" if rate < 10 else f"{rate:,.0f} {unit}")
        left = (total - done) / rate
        if left >= 1:
            if left < 60:
                parts.append("less than a minute left")
            elif left < 3600:
                parts.append(f"about {round(left / 60)} min left")
            else:
                parts.append(f"about {left / 3600:.1f} h left")
    return " · ".join(parts)
