"""Keeps the index equal to the folders, in the background, on one writer thread.

At start (and hourly, after a watcher failure, after sleep/resume, on request) it reconciles
every root; in between, watcher events (debounced ~1 s per path) queue the paths they name.
Work goes through the persistent queue, so a quit or a crash resumes where it stopped.
The UI (or ``desktop-search watch``) gets plain callbacks: progress and state changes.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from desktop_search.core.engine import WATCH_STATE_KEY, Engine
from desktop_search.core.errors import UserError
from desktop_search.core.indexer import Indexer, IndexProgressCallback, IndexReport, index_progress_reporter
from desktop_search.core.progress import Progress
from desktop_search.core.scan import stored_path
from desktop_search.core.watch import FILE, GONE_TREE, TREE, DebouncedPaths, FolderWatcher

if TYPE_CHECKING:
    from desktop_search.core.settings import Settings

log = logging.getLogger(__name__)

POLL_INTERVAL_S = 60.0  # rescans of roots that cannot be watched
SLEEP_JUMP_S = 30.0  # wall clock ran this much ahead of the monotonic clock: we were asleep


@dataclass(frozen=True)
class LiveState:
    """What the UI shows: paused or not, what is queued, how each root is kept fresh."""

    running: bool
    paused: bool
    busy: bool
    pending: int
    roots: dict[str, str] = field(default_factory=dict)  # root -> "watching" | "polling: why"
    error: str | None = None


class LiveIndexer:
    """Start with ``start()``; ``pause()``/``resume()``; ``stop()`` checkpoints and returns."""

    def __init__(
        self,
        engine: Engine,
        quiet_s: float = 1.0,
        rescan_interval_s: float | None = None,
        poll_interval_s: float = POLL_INTERVAL_S,
        progress: IndexProgressCallback | None = None,
        on_state: Callable[[LiveState], None] | None = None,
    ) -> None:
        self.engine = engine
        self.rescan_interval_s = rescan_interval_s or engine.settings.rescan_interval_s
        self.poll_interval_s = poll_interval_s
        self.progress = progress
        self.on_state = on_state
        self.events = DebouncedPaths(quiet_s)
        self.watcher = FolderWatcher(engine.scan_rules(), self.events)
        self._stop = threading.Event()
        self._resume = threading.Event()
        self._resume.set()
        self._rescan = threading.Event()
        self._idle = threading.Event()
        self._thread: threading.Thread | None = None
        self._error: str | None = None
        self._busy = False
        self._running = False
        self._pending = 0  # the queue's length, as the writer last counted it
        # Actions for the writer thread; one that returns an indexer replaces the current one.
        self._requests: list[Callable[[Indexer], Indexer | None]] = []
        self._requests_lock = threading.Lock()
        self.report = IndexReport()

    # -- control (any thread) -------------------------------------------------------------
    def start(self) -> None:
        """Run the writer loop on a new thread (the app runs ``run()`` on its own QThread)."""
        self._thread = threading.Thread(target=self.run, name="desktop-search-indexer", daemon=True)
        self._thread.start()

    def request_stop(self) -> None:
        """Ask the writer loop to checkpoint and return; does not wait."""
        self._stop.set()
        self._resume.set()
        self.events.wakeup.set()

    def stop(self, timeout: float = 10.0) -> bool:
        """Stop watching, finish or checkpoint the current batch, save; True if it ended in time."""
        self.request_stop()
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    def pause(self) -> None:
        self._resume.clear()
        self._announce()

    def resume(self) -> None:
        self._resume.set()
        self.events.wakeup.set()
        self._announce()

    def call_soon(self, action: Callable[[Indexer], Indexer | None]) -> None:
        """Run ``action`` on the writer thread between batches (adding or forgetting a folder,
        retrying files): every write of the data dir happens on that one thread."""
        with self._requests_lock:
            self._requests.append(action)
            self._idle.clear()  # not idle while a request waits
        self.events.wakeup.set()

    def add_roots(self, folders: list[Path]) -> None:
        """Add folders (on the writer thread), watch them and index them."""

        def add(indexer: Indexer) -> None:
            added = self.engine.add_roots(folders)
            self._watch_roots()  # before the scan: a change made during it is not missed
            for root_id, root in added:
                indexer.reconcile_root(root_id, root, self._should_yield)

        self.call_soon(add)

    def forget(self, folder: Path) -> None:
        """Stop watching a folder and purge everything indexed from it (on the writer thread)."""

        def forget(_indexer: Indexer) -> None:
            self.engine.forget(folder)
            self._watch_roots()

        self.call_soon(forget)

    def retry_problems(self, paths: list[str] | None = None) -> None:
        """Read failed, skipped and encrypted files again (all, or these paths), now."""

        def retry(indexer: Indexer) -> None:
            indexer.retry_problems(paths)

        self.call_soon(retry)

    def apply_settings(self, settings: Settings) -> None:
        """Use new settings from the next batch on (on the writer thread; never waits): a new
        model, precision, provider or thread count gets a new indexer, new exclusions a
        rescan. A loop that is not running (never started, or stopped) takes them at once."""
        if not self._running:
            self.engine.apply_settings(settings)
            self.watcher.rules = self.engine.scan_rules()
            return

        def apply(_indexer: Indexer) -> Indexer:
            self.engine.apply_settings(settings)
            self.watcher.rules = self.engine.scan_rules()
            indexer = self.engine.make_indexer()
            self._reconcile(indexer, self.engine.roots())  # what the exclusions admit or leave out now
            return indexer

        self.call_soon(apply)

    def request_rescan(self) -> None:
        self._rescan.set()
        self.events.wakeup.set()

    def wait_idle(self, timeout: float) -> bool:
        """Block until no event is waiting and the queue is empty (for tests and scripts)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            quiet = self._idle.wait(0.05) and not len(self.events) and not self._busy
            if quiet and self.engine.store.pending_count() == 0:
                return True
        return False

    @property
    def paused(self) -> bool:
        return not self._resume.is_set()

    def state(self) -> LiveState:
        """A snapshot from what the writer last published: no database read, so pausing or
        asking from the GUI thread never waits behind a long write."""
        roots = {
            str(w.root): w.mode + (f": {w.reason}" if w.reason else "") for w in self.watcher.roots.values()
        }
        busy = self._busy or bool(self._requests)  # a queued request (new settings) is work
        return LiveState(self._running, self.paused, busy, self._pending, roots, self._error)

    def _announce(self) -> None:
        if self.on_state:
            self.on_state(self.state())

    # -- the writer thread ----------------------------------------------------------------
    def run(self) -> None:
        """The writer loop, on the calling thread, until ``request_stop()``; never raises."""
        self._running = True
        try:
            with self.engine.writing():
                self._loop(self.engine.make_indexer())
        except UserError as exc:
            self._error = str(exc)
            log.error("%s", exc)
        except Exception as exc:  # the thread must report, never vanish silently
            self._error = f"indexing stopped: {exc}"
            log.exception("The indexer thread failed")
        finally:
            self.watcher.stop()
            self._running = False
            self._idle.set()
            self._announce()

    def _loop(self, indexer: Indexer) -> None:
        self._watch_roots()
        self._reconcile(indexer, self.engine.roots())
        # A new model (or precision) re-embeds what is stored even when no file changed.
        switch_due = indexer.model_switch_pending()
        last_full = last_poll = time.monotonic()
        wall_anchor, mono_anchor = time.time(), time.monotonic()
        while not self._stop.is_set():
            if not self._resume.is_set():
                self._idle.set()
                self._resume.wait()
                continue
            # Sleep/resume: the wall clock jumps ahead of the monotonic clock while suspended.
            wall_now, mono_now = time.time(), time.monotonic()
            slept = (wall_now - wall_anchor) - (mono_now - mono_anchor) > SLEEP_JUMP_S
            wall_anchor, mono_anchor = wall_now, mono_now
            dead = self.watcher.dead_roots()
            for state in dead:
                self.watcher.watch(state.root_id, state.root)
            if dead:
                self._publish()
            lost = self.watcher.take_overflow()
            if (
                slept
                or dead
                or lost
                or self._rescan.is_set()
                or mono_now - last_full > self.rescan_interval_s
            ):
                self._rescan.clear()
                self._reconcile(indexer, self.engine.roots())
                last_full = last_poll = time.monotonic()
            elif mono_now - last_poll > self.poll_interval_s:
                polled = [(w.root_id, w.root) for w in self.watcher.roots.values() if w.mode == "polling"]
                if polled:
                    self._reconcile(indexer, polled)
                last_poll = time.monotonic()
            replaced = self._run_requests(indexer)
            if replaced is not indexer:  # new settings: a new model may need re-embedding
                indexer, switch_due = replaced, replaced.model_switch_pending()
            self._take_events(indexer)
            self._pending = self.engine.store.pending_count()
            if self._pending or switch_due:
                self._work(indexer)
                switch_due = indexer.model_switch_pending()  # still, when a pause cut it short
                continue
            self._idle.set()
            timeout = self.events.seconds_to_next()
            self.events.wakeup.wait(min(timeout if timeout is not None else 1.0, 1.0))
            self.events.wakeup.clear()
        indexer.finish(self.report, lambda: True)  # checkpoint: save the ANN index, fold the WAL
        self.engine.store.set_meta(WATCH_STATE_KEY, "{}")

    def _run_requests(self, indexer: Indexer) -> Indexer:
        """Run the queued actions; the indexer to go on with (an action may make a new one)."""
        with self._requests_lock:
            requests, self._requests = self._requests, []
        for action in requests:
            try:
                indexer = action(indexer) or indexer
            except UserError as exc:  # e.g. a folder that vanished before it was added
                self._error = str(exc)
                log.warning("%s", exc)
        if requests:
            self._announce()
        return indexer

    def _watch_roots(self) -> None:
        """Watch the engine's roots, no more and no fewer (writer thread): the engine owns
        which folders are indexed; the watcher follows."""
        roots = dict(self.engine.roots())
        for root_id in set(self.watcher.roots) - set(roots):
            self.watcher.unwatch(root_id)
        for root_id, root in roots.items():
            if root_id not in self.watcher.roots:
                self.watcher.watch(root_id, root)
        self._publish()

    def _publish(self) -> None:
        """Record how each root is kept fresh, for `status` in other processes (writer thread)."""
        state = self.state()
        record = {"pid": os.getpid(), "roots": state.roots, "updated": time.time()}
        self.engine.store.set_meta(WATCH_STATE_KEY, json.dumps(record))
        self._announce()

    def _should_yield(self) -> bool:
        return self._stop.is_set() or not self._resume.is_set()

    def _reconcile(self, indexer: Indexer, roots: list[tuple[int, Path]]) -> None:
        self._busy = True
        self._idle.clear()
        for root_id, root in roots:
            if self._should_yield():
                break
            indexer.reconcile_root(root_id, root, self._should_yield)
        if self._should_yield():
            self._rescan.set()  # interrupted (pause or quit): scan again when work resumes
        self._pending = self.engine.store.pending_count()
        self._busy = False

    def _take_events(self, indexer: Indexer) -> None:
        ready = self.events.pop_ready()
        if not ready:
            return
        self._idle.clear()
        roots = self.engine.roots()
        files = []
        for path, kind in ready:
            owner = _owning_root(roots, path)
            if owner is None:
                continue
            root_id, root = owner
            if kind == FILE:
                files.append((path, root_id))
            elif kind == TREE:
                indexer.reconcile_root(root_id, root, self._should_yield, folder=Path(path))
            elif kind == GONE_TREE:
                files += [(p, root_id) for p in self.engine.store.files_under(stored_path(path))]
        indexer.queue_paths(files)

    def _work(self, indexer: Indexer) -> None:
        self._busy = True
        self._idle.clear()
        tell = index_progress_reporter(self.progress, self.report)
        try:
            for done, total in indexer.pending_batches(self.report, self._should_yield):
                tell(Progress("indexing", done, total, "files"))
                self._take_events(indexer)  # fresh edits jump the queue of a long crawl
            if not self._should_yield():
                indexer.finish(self.report, self._should_yield, save=False, progress=tell)
        finally:
            self._busy = False
            self._pending = self.engine.store.pending_count()
        self._announce()


def _owning_root(roots: list[tuple[int, Path]], path: str) -> tuple[int, Path] | None:
    best: tuple[int, Path] | None = None
    for root_id, root in roots:
        text = str(root)
        if (path == text or path.startswith(text.rstrip(os.sep) + os.sep)) and (
            best is None or len(text) > len(str(best[1]))
        ):
            best = (root_id, root)
    return best
