"""The UI's one way to run work off the GUI thread (the indexing thread aside: that is the
core's writer loop, on its own QThread in ``worker.py``).

Work runs in a named *lane*: one thread each, so queries never wait behind a preview and a
file count never behind a query, while work of one lane keeps its order. The work gets a
``Task``, the core's protocol: ``task.should_cancel()`` and ``task.progress(Progress)`` (core/progress.py).
``done(value)``, ``failed(message)`` and ``progress(Progress)`` are called on the GUI
thread; a stopped task still delivers what its work returns, a cancelled one nothing. A
*detached* lane runs on a daemon thread that quitting never waits for (a download blocked on
the network).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from desktop_search.core.progress import Progress, ProgressCallback

log = logging.getLogger(__name__)


class _Relay(QObject):
    """Carries a call from any thread to the thread this object lives in (the GUI's)."""

    call = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.call.connect(self._run)

    @Slot(object)
    def _run(self, call: Callable[[], None]) -> None:
        call()


class Task:
    """One piece of background work, as the work and its starter see it."""

    def __init__(self, relay: _Relay, progress: ProgressCallback | None) -> None:
        self._relay = relay
        self._on_progress = progress
        self._stop = threading.Event()
        self._dropped = threading.Event()
        self.finished = threading.Event()

    def stop(self) -> None:
        """Ask the work to stop (it sees ``should_cancel()``); what it returns is delivered."""
        self._stop.set()

    def cancel(self) -> None:
        """Ask the work to stop, and deliver nothing more of it."""
        self._dropped.set()
        self._stop.set()

    def should_cancel(self) -> bool:
        return self._stop.is_set()

    def progress(self, step: Progress) -> None:
        """Report progress (from the work's thread); shown on the GUI thread."""
        if self._on_progress is not None:
            report = self._on_progress
            self.deliver(lambda: report(step))

    def deliver(self, call: Callable[[], None]) -> None:
        """Run ``call`` on the GUI thread unless the task was cancelled meanwhile."""
        try:
            self._relay.call.emit(lambda: None if self._dropped.is_set() else call())
        except RuntimeError:  # the window that asked is gone (the app is closing)
            self.cancel()


class _Job(QRunnable):
    def __init__(self, task: Task, body: Callable[[], None]) -> None:
        super().__init__()
        self.task, self.body = task, body

    def run(self) -> None:
        self.body()


class TaskRunner(QObject):
    """Start work with ``run(lane, work, done, failed, progress)``; ``shutdown()`` on quit."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._relay = _Relay(self)
        self._lanes: dict[str, QThreadPool] = {}
        self._tasks: set[Task] = set()
        self._lock = threading.Lock()

    def run(
        self,
        lane: str,
        work: Callable[[Task], Any],
        done: Callable[[Any], None] | None = None,
        failed: Callable[[str], None] | None = None,
        progress: ProgressCallback | None = None,
        detached: bool = False,
    ) -> Task:
        """Run ``work(task)`` in ``lane``; ``done(value)`` or ``failed(message)`` follow on the
        GUI thread (an exception is logged, and becomes the message)."""
        task = Task(self._relay, progress)
        with self._lock:
            self._tasks.add(task)

        def body() -> None:
            try:
                value = work(task)
            except Exception as exc:  # shown to the user, never a crash
                log.exception("A background task (%s) failed", lane)
                message = str(exc) or type(exc).__name__
                if failed is not None:
                    task.deliver(lambda: failed(message))
            else:
                if done is not None:
                    task.deliver(lambda: done(value))
            finally:
                task.finished.set()
                with self._lock:
                    self._tasks.discard(task)

        if detached:
            threading.Thread(target=body, daemon=True, name=f"desktop-search-{lane}").start()
        else:
            self._pool(lane).start(_Job(task, body))
        return task

    def _pool(self, lane: str) -> QThreadPool:
        pool = self._lanes.get(lane)
        if pool is None:
            pool = self._lanes[lane] = QThreadPool(self)
            pool.setMaxThreadCount(1)
            pool.setObjectName(f"desktop-search-{lane}")
        return pool

    def cancel_all(self) -> None:
        """Cancel every task started and not yet ended, and drop those not yet begun."""
        with self._lock:
            tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for pool in self._lanes.values():
            pool.clear()

    def shutdown(self, timeout_ms: int = 1500) -> bool:
        """Cancel everything and wait (at most ``timeout_ms`` in all) for the lanes' threads;
        detached work is not waited for. True when every lane ended in time."""
        self.cancel_all()
        remaining = timeout_ms
        ended = True
        for pool in self._lanes.values():
            started = _now_ms()
            ended = bool(pool.waitForDone(max(0, remaining))) and ended
            remaining -= _now_ms() - started
        return ended


def _now_ms() -> int:
    return int(time.monotonic() * 1000)
