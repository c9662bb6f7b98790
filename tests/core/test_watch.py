"""Watching folders: the debounced path queue, and real watchdog events on real temp folders.

Every wait here is a wait for a condition, with a deadline; the few that are meant to run out
(nothing may happen) say so.
"""

from __future__ import annotations

import errno
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from watchdog.observers import Observer

from desktop_search.core.scan import ScanRules
from desktop_search.core.watch import (
    FILE,
    GONE_TREE,
    TREE,
    DebouncedPaths,
    FolderWatcher,
    network_filesystem,
)

Hint = tuple[str, str]


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Whether ``condition`` came true before the deadline (polled, not one fixed wait)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.005)
    return True


class Released:
    """The consumer's side of a queue: every hint it released so far, in order."""

    def __init__(self, queue: DebouncedPaths) -> None:
        self.queue = queue
        self.hints: list[Hint] = []

    def __call__(self) -> list[Hint]:
        self.hints += self.queue.pop_ready()
        return self.hints

    def has(self, *wanted: Hint) -> Callable[[], bool]:
        return lambda: all(hint in self() for hint in wanted)


# -- the debounced queue ------------------------------------------------------------------


def test_paths_wait_for_quiet_and_coalesce() -> None:
    queue = DebouncedPaths(quiet_s=0.2)
    added = time.monotonic()
    queue.add("/a")
    queue.add("/a")
    queue.add("/a", TREE)
    assert queue.pop_ready() == [] and len(queue) == 2  # a path and a tree: two hints, not three
    released = Released(queue)
    assert wait_until(lambda: len(released()) == 2)
    assert time.monotonic() - added >= 0.2  # not before the quiet period
    assert sorted(released.hints) == [("/a", FILE), ("/a", TREE)]
    assert len(queue) == 0 and queue.seconds_to_next() is None and queue.pop_ready() == []


def test_each_event_restarts_the_quiet_period() -> None:
    queue = DebouncedPaths(quiet_s=0.4)
    queue.add("/a")
    # Most of the quiet period goes by ...
    assert wait_until(lambda: (queue.seconds_to_next() or 0.0) <= 0.1)
    assert queue.pop_ready() == []
    again = time.monotonic()
    queue.add("/a")  # ... then the path is touched again: the wait starts over
    remaining = queue.seconds_to_next()
    assert remaining is not None and remaining > 0.3
    released = Released(queue)
    assert wait_until(lambda: bool(released()))
    assert time.monotonic() - again >= 0.4 and released.hints == [("/a", FILE)]


def test_a_path_that_never_goes_quiet_is_released_at_the_cap() -> None:
    queue = DebouncedPaths(quiet_s=0.5, max_wait_s=1.0)
    started = time.monotonic()
    released: list[Hint] = []
    while not released and time.monotonic() - started < 5:
        queue.add("/busy.log")  # a log written all the time: it is never quiet for 0.5 s
        time.sleep(0.01)  # the writer's pace (a polling loop, not a wait)
        released = queue.pop_ready()
    waited = time.monotonic() - started
    assert released == [("/busy.log", FILE)]
    assert 1.0 <= waited < 3.0


def test_the_cap_is_never_shorter_than_the_quiet_period() -> None:
    queue = DebouncedPaths(quiet_s=2.0, max_wait_s=0.5)
    assert queue.max_wait_s == 2.0
    queue.add("/a")
    remaining = queue.seconds_to_next()
    assert remaining is not None and 1.5 < remaining <= 2.0


def test_adding_wakes_the_consumer() -> None:
    queue = DebouncedPaths(quiet_s=0.1)
    assert not queue.wakeup.is_set()
    queue.add("/a")
    assert queue.wakeup.is_set()


# -- the watcher, on real folders -----------------------------------------------------------


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "root"
    folder.mkdir()
    return folder.resolve()


@pytest.fixture
def watched(root: Path) -> Iterator[tuple[FolderWatcher, Released]]:
    queue = DebouncedPaths(quiet_s=0.05)
    watcher = FolderWatcher(ScanRules(), queue)
    state = watcher.watch(1, root)
    assert (state.mode, state.reason) == ("watching", None)
    yield watcher, Released(queue)
    watcher.stop()


def test_a_new_file_is_one_hint_however_often_it_is_written(root: Path) -> None:
    queue = DebouncedPaths(quiet_s=0.5)  # longer than the writes below take
    watcher = FolderWatcher(ScanRules(), queue)
    watcher.watch(1, root)
    try:
        note = root / "note.txt"
        for i in range(5):
            note.write_text(f"draft {i}")
        (root / "marker.txt").write_text("written last")
        released = Released(queue)
        # The kernel reports events in order: once the last file's hint is out, the note's
        # events have all been queued (and, being older, released).
        assert wait_until(released.has((str(root / "marker.txt"), FILE)))
        assert released.hints.count((str(note), FILE)) == 1
    finally:
        watcher.stop()


def test_created_changed_and_deleted_files_are_hints(watched, root: Path) -> None:
    _watcher, released = watched
    note = root / "note.txt"
    note.write_text("one")
    assert wait_until(released.has((str(note), FILE)))
    released.hints.clear()
    note.write_text("two")
    assert wait_until(released.has((str(note), FILE)))
    released.hints.clear()
    note.unlink()
    assert wait_until(released.has((str(note), FILE)))


def test_a_moved_file_is_a_hint_under_both_names(watched, root: Path, tmp_path: Path) -> None:
    _watcher, released = watched
    (root / "sub").mkdir()
    old = root / "old.txt"
    old.write_text("text")
    assert wait_until(released.has((str(old), FILE)))
    new = root / "sub" / "new.txt"
    old.rename(new)
    assert wait_until(released.has((str(old), FILE), (str(new), FILE)))
    outside = tmp_path / "outside.txt"
    new.rename(outside)  # moved out of the root: seen as gone
    assert wait_until(released.has((str(new), FILE)))
    assert not [hint for hint in released.hints if hint[0] == str(outside)]


def test_folders_are_tree_hints(watched, root: Path, tmp_path: Path) -> None:
    _watcher, released = watched
    made = root / "made"
    made.mkdir()
    assert wait_until(released.has((str(made), TREE)))
    renamed = root / "renamed"
    made.rename(renamed)
    assert wait_until(released.has((str(made), GONE_TREE), (str(renamed), TREE)))
    outside = tmp_path / "elsewhere"
    (outside / "deep").mkdir(parents=True)
    (outside / "deep" / "a.txt").write_text("moved in with its folder")
    moved_in = root / "moved-in"
    outside.rename(moved_in)  # one event for the whole tree: the indexer scans it
    assert wait_until(released.has((str(moved_in), TREE)))
    renamed.rmdir()
    assert wait_until(released.has((str(renamed), GONE_TREE)))


def test_ignored_files_make_no_hint_but_their_deletion_does(watched, root: Path) -> None:
    _watcher, released = watched
    scratch = root / "scratch.tmp"  # a default exclusion
    hidden = root / ".hidden.txt"  # hidden files are not indexed by default
    scratch.write_text("noise")
    hidden.write_text("noise")
    marker = root / "marker.txt"
    marker.write_text("written last")
    # Events come in order: once the marker is out, the ignored files' events were handled.
    assert wait_until(released.has((str(marker), FILE)))
    assert [hint for hint in released.hints if hint[0] in (str(scratch), str(hidden))] == []
    scratch.unlink()  # we may have it indexed (from before the rule): look again
    assert wait_until(released.has((str(scratch), FILE)))


def test_unwatch_stops_the_observer_and_its_hints(root: Path) -> None:
    queue = DebouncedPaths(quiet_s=0.05)
    watcher = FolderWatcher(ScanRules(), queue)
    state = watcher.watch(1, root)
    assert state.observer is not None and state.observer.is_alive()
    watcher.unwatch(1)
    assert watcher.roots == {} and not state.observer.is_alive()
    queue.wakeup.clear()
    (root / "after.txt").write_text("nobody is watching")
    # Nothing may arrive: this wait is meant to run out.
    assert not queue.wakeup.wait(timeout=0.5)
    assert len(queue) == 0
    watcher.stop()


def test_a_dead_observer_is_reported_once(watched, root: Path) -> None:
    watcher, _released = watched
    (state,) = watcher.roots.values()
    assert watcher.dead_roots() == []
    assert state.observer is not None
    state.observer.stop()  # as when its thread dies of an error
    state.observer.join(10)
    assert watcher.dead_roots() == [state]
    assert (state.mode, state.observer) == ("stopped", None)
    assert watcher.dead_roots() == []  # the caller restarts it; it is not reported again
    again = watcher.watch(state.root_id, root)
    assert again.mode == "watching"


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (errno.ENOSPC, "fs.inotify.max_user_watches"),
        (errno.EMFILE, "fs.inotify.max_user_instances"),
        (errno.EACCES, "watching failed: Permission denied"),
    ],
)
def test_a_watcher_that_cannot_start_means_polling(root: Path, code: int, reason: str) -> None:
    class LimitReached(Observer):  # type: ignore[misc, valid-type]
        """A real observer whose start fails as inotify does at the system's limits."""

        def start(self) -> None:
            raise OSError(code, os.strerror(code))

    watcher = FolderWatcher(ScanRules(), DebouncedPaths(0.05), observer_factory=LimitReached)
    state = watcher.watch(1, root)
    assert state.mode == "polling" and state.observer is None
    assert state.reason is not None and reason in state.reason
    assert watcher.dead_roots() == []  # a polled root is not a dead watcher
    watcher.stop()


def test_lost_events_are_reported_once(root: Path) -> None:
    watcher = FolderWatcher(ScanRules(), DebouncedPaths(0.05))
    assert watcher.take_overflow() is False
    # watchdog tells of a kernel queue overflow only in its log, in these words.
    inotify_log = logging.getLogger("watchdog.observers.inotify")
    overflowed = "Inotify queue overflowed; reconciling recursive watches below %r"
    inotify_log.warning(overflowed, str(root))
    assert watcher.take_overflow() is True
    assert watcher.take_overflow() is False
    watcher.stop()
    inotify_log.warning(overflowed, str(root))
    assert watcher.take_overflow() is False  # a stopped watcher no longer listens


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/mounts")
def test_a_local_folder_is_not_a_network_file_system(root: Path) -> None:
    assert network_filesystem(root) is None
