"""Filesystem watching: watchdog observers (one per root) feeding a debounced path queue.

Watcher events are hints: each only says "look at this path (or folder) again"; the indexer
compares it with the disk. A root whose watcher cannot start (inotify limits: ENOSPC,
EMFILE) or that lives on a network file system (which reports nothing) is polled with
periodic reconciliation scans instead, and its state says so.
"""

from __future__ import annotations

import errno
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import (
    EVENT_TYPE_CLOSED_NO_WRITE,
    EVENT_TYPE_DELETED,
    EVENT_TYPE_MOVED,
    EVENT_TYPE_OPENED,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

from desktop_search.core.scan import IgnoreMatcher, ScanRules

log = logging.getLogger(__name__)

FILE = "file"  # look at this path again
TREE = "tree"  # a folder appeared (created or moved in): scan it
GONE_TREE = "gone-tree"  # a folder went away (deleted or moved out): check what we had in it

NETWORK_FILESYSTEMS = frozenset(
    "nfs nfs4 cifs smb smbfs smb3 afs 9p davfs fuse.sshfs sshfs fuse.rclone fuse.s3fs ncpfs glusterfs "
    "ceph fuse.gvfsd-fuse".split()
)


class DebouncedPaths:
    """Paths that wait until no event touched them for ``quiet_s``; repeats coalesce.

    A path that never goes quiet (a log written every second) is released after ``max_wait_s``.
    """

    def __init__(self, quiet_s: float, max_wait_s: float = 10.0) -> None:
        self.quiet_s = quiet_s
        self.max_wait_s = max(max_wait_s, quiet_s)
        self._due: dict[tuple[str, str], float] = {}
        self._first: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()
        self.wakeup = threading.Event()

    def add(self, path: str, kind: str = FILE) -> None:
        now = time.monotonic()
        key = (path, kind)
        with self._lock:
            first = self._first.setdefault(key, now)
            self._due[key] = min(now + self.quiet_s, first + self.max_wait_s)
        self.wakeup.set()

    def pop_ready(self) -> list[tuple[str, str]]:
        now = time.monotonic()
        with self._lock:
            ready = [key for key, due in self._due.items() if due <= now]
            for key in ready:
                del self._due[key]
                del self._first[key]
        return ready

    def seconds_to_next(self) -> float | None:
        with self._lock:
            if not self._due:
                return None
            return max(0.0, min(self._due.values()) - time.monotonic())

    def __len__(self) -> int:
        with self._lock:
            return len(self._due)


class _Handler(FileSystemEventHandler):
    def __init__(self, root: Path, rules: ScanRules, sink: DebouncedPaths) -> None:
        self.matcher = IgnoreMatcher(root, rules)
        self.sink = sink

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in (EVENT_TYPE_OPENED, EVENT_TYPE_CLOSED_NO_WRITE):
            return
        src = os.fsdecode(event.src_path)
        dest = os.fsdecode(event.dest_path) if event.event_type == EVENT_TYPE_MOVED else ""
        if event.is_directory:
            if event.event_type in (EVENT_TYPE_DELETED, EVENT_TYPE_MOVED):
                self.sink.add(src, GONE_TREE)
            if dest or event.event_type == "created":
                self.sink.add(dest or src, TREE)
            return
        # A path that vanishes must always be looked at: we may have it indexed.
        if event.event_type in (EVENT_TYPE_DELETED, EVENT_TYPE_MOVED) or not self.matcher.ignored(src, False):
            self.sink.add(src)
        if dest:
            self.sink.add(dest)


@dataclass
class RootWatch:
    """How one root is kept fresh: 'watching' (events), 'polling' (periodic scans), or 'stopped'."""

    root_id: int
    root: Path
    mode: str = "stopped"
    reason: str | None = None
    observer: BaseObserver | None = None


def network_filesystem(path: Path) -> str | None:
    """The file system type if ``path`` is on a network mount (Linux), else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        with open("/proc/self/mounts", encoding="utf-8") as handle:
            mounts = [line.split() for line in handle]
    except OSError:
        return None
    best, fstype = "", ""
    target = str(path)
    for fields in mounts:
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ")
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) > len(best):
            best, fstype = point, fields[2]
    return fstype if fstype in NETWORK_FILESYSTEMS else None


class _OverflowListener(logging.Handler):
    """watchdog reports a kernel queue overflow (lost events) only in its log: listen for it."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.overflowed = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if "overflow" in record.getMessage().lower():
            self.overflowed.set()


_WATCHDOG_LOGGERS = ("watchdog.observers.inotify", "watchdog.observers.inotify_c")


class FolderWatcher:
    """Starts, checks and stops one observer per root."""

    def __init__(
        self, rules: ScanRules, sink: DebouncedPaths, observer_factory: Callable[[], BaseObserver] = Observer
    ):
        self.rules = rules
        self.sink = sink
        self.observer_factory = observer_factory
        self.roots: dict[int, RootWatch] = {}
        self._overflow = _OverflowListener()
        for name in _WATCHDOG_LOGGERS:
            logging.getLogger(name).addHandler(self._overflow)

    def take_overflow(self) -> bool:
        """Whether events were lost since the last call (then everything must be rescanned)."""
        lost = self._overflow.overflowed.is_set()
        self._overflow.overflowed.clear()
        return lost

    def watch(self, root_id: int, root: Path) -> RootWatch:
        state = RootWatch(root_id, root)
        self.roots[root_id] = state
        network = network_filesystem(root)
        if network:
            state.mode, state.reason = "polling", f"network file system ({network}) reports no changes"
            log.info("Polling %s: %s", root, state.reason)
            return state
        observer = self.observer_factory()
        try:
            observer.schedule(_Handler(root, self.rules, self.sink), str(root), recursive=True)
            observer.start()
        except OSError as exc:
            state.mode, state.reason = "polling", _describe_watch_error(exc)
            log.warning("Cannot watch %s (%s); scanning it periodically instead", root, state.reason)
            _stop_quietly(observer)
            return state
        state.mode, state.observer = "watching", observer
        return state

    def dead_roots(self) -> list[RootWatch]:
        """Roots whose observer thread died (an error or an overflow): rescan and restart them."""
        dead = []
        for state in self.roots.values():
            if state.mode == "watching" and state.observer is not None and not _alive(state.observer):
                log.warning("The watcher of %s stopped; rescanning and restarting it", state.root)
                _stop_quietly(state.observer)
                state.observer, state.mode = None, "stopped"
                dead.append(state)
        return dead

    def unwatch(self, root_id: int) -> None:
        state = self.roots.pop(root_id, None)
        if state is not None and state.observer is not None:
            _stop_quietly(state.observer)

    def stop(self) -> None:
        for root_id in list(self.roots):
            self.unwatch(root_id)
        for name in _WATCHDOG_LOGGERS:
            logging.getLogger(name).removeHandler(self._overflow)


def _alive(observer: BaseObserver) -> bool:
    return observer.is_alive() and all(e.is_alive() for e in observer.emitters)


def _stop_quietly(observer: BaseObserver) -> None:
    try:
        observer.stop()
        if observer.is_alive():
            observer.join(timeout=5)
    except (OSError, RuntimeError) as exc:
        log.debug("Stopping an observer failed: %s", exc)


def _describe_watch_error(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "the system's limit of watched folders is reached (fs.inotify.max_user_watches)"
    if exc.errno == errno.EMFILE:
        return "the system's limit of watchers is reached (fs.inotify.max_user_instances)"
    return f"watching failed: {exc.strerror or exc}"
