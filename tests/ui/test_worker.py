"""What the app does to keep its window responsive: interpreter settings at startup, the
indexing thread behind the window."""

from __future__ import annotations

import gc
import os
import sys
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_search.core.indexer import REEMBEDDING, IndexProgress
from desktop_search.core.search import SearchResponse
from desktop_search.ui.worker import IndexWorker, eta_text, freeze_startup_objects, highlight_spans, make_rows


class Node:
    """An object in a reference cycle: only the cyclic collector can free it."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def unfrozen_afterwards() -> Iterator[None]:
    yield
    gc.unfreeze()


def test_objects_alive_at_startup_leave_the_collectors_view(unfrozen_afterwards: None) -> None:
    alive_at_startup = Node()
    freeze_startup_objects()
    assert gc.get_freeze_count() > 0
    # A full collection walks only what gc.get_objects() lists: no longer the startup objects.
    assert not any(obj is alive_at_startup for obj in gc.get_objects())


def test_garbage_made_after_startup_is_still_collected(unfrozen_afterwards: None) -> None:
    freeze_startup_objects()
    later = Node()
    gone = weakref.ref(later)
    del later
    gc.collect()
    assert gone() is None


def test_startup_garbage_is_collected_before_the_freeze(unfrozen_afterwards: None) -> None:
    garbage = Node()
    gone = weakref.ref(garbage)
    del garbage
    freeze_startup_objects()  # frozen garbage would never be freed
    assert gone() is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a per-thread nice value is Linux's")
def test_the_indexing_thread_runs_behind_the_window(qtbot, engine_factory) -> None:
    """Qt's LowPriority does nothing for an ordinary Linux thread: the indexing thread (and
    the extractor processes it starts) must still give way to the window's thread."""
    worker = IndexWorker(engine_factory())
    worker.start()
    try:
        qtbot.waitUntil(lambda: worker.indexing_thread.native_id is not None)
        ours = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        indexing = worker.indexing_thread.native_id
        qtbot.waitUntil(lambda: os.getpriority(os.PRIO_PROCESS, indexing) == min(ours + 10, 19))
        assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == ours  # the window's: unchanged
    finally:
        assert worker.stop_and_wait(10_000)


def test_the_progress_line_counts_files_or_after_a_model_change_passages() -> None:
    crawl = IndexProgress("embedding", 1_234, 5_000, chunks_embedded=2_000, elapsed_s=100.0)
    assert eta_text(crawl) == "Indexing 1,234 of 5,000 files · 12 files/s · about 5 min left"
    reembedding = IndexProgress(REEMBEDDING, 1_000, 31_000, "passages", chunks_embedded=1_000, elapsed_s=10.0)
    assert eta_text(reembedding) == (
        "Reading your files with the new model: 1,000 of 31,000 passages · 100 passages/s · about 5 min left"
    )
    assert (
        eta_text(IndexProgress("embedding", 0, 10, chunks_embedded=0, elapsed_s=0.5))
        == "Indexing 0 of 10 files"
    )  # no speed yet


def test_highlights_find_the_words_and_their_inflections() -> None:
    text = "Baking bread: bake the Bananas; a banana-split is not bread-like"
    marked = [text[a:b] for a, b in highlight_spans(text, {"banana", "bake"})]
    assert marked == ["Baking", "bake", "Bananas", "banana"]
    assert highlight_spans("nothing here", {"banana"}) == ()


def test_deleted_file_row_says_so(indexed_engine, sample_folder: Path) -> None:
    response: SearchResponse = indexed_engine.search("ripe bananas", limit=1)
    (sample_folder / "banana-bread.md").unlink()
    rows = make_rows(response, {"bananas"})
    assert rows[0].modified is None  # painted as "deleted", never a crash
