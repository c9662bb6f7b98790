"""The debounced path queue: quiet periods, coalescing, and a cap for busy files."""

from __future__ import annotations

import time

from desktop_search.core.watch import FILE, TREE, DebouncedPaths


def test_paths_wait_for_quiet_and_coalesce() -> None:
    queue = DebouncedPaths(quiet_s=0.2)
    queue.add("/a")
    queue.add("/a")
    queue.add("/a", TREE)
    assert queue.pop_ready() == [] and len(queue) == 2
    time.sleep(0.25)
    assert sorted(queue.pop_ready()) == [("/a", FILE), ("/a", TREE)]
    assert len(queue) == 0 and queue.seconds_to_next() is None


def test_each_event_restarts_the_quiet_period() -> None:
    queue = DebouncedPaths(quiet_s=0.2)
    queue.add("/a")
    time.sleep(0.15)
    queue.add("/a")
    time.sleep(0.1)
    assert queue.pop_ready() == []
    time.sleep(0.15)
    assert queue.pop_ready() == [("/a", FILE)]


def test_a_path_that_never_goes_quiet_is_released() -> None:
    queue = DebouncedPaths(quiet_s=0.2, max_wait_s=0.5)
    started = time.monotonic()
    released = []
    while not released and time.monotonic() - started < 2:
        queue.add("/busy.log")
        time.sleep(0.05)
        released = queue.pop_ready()
    assert released == [("/busy.log", FILE)]
    assert 0.45 <= time.monotonic() - started < 1.0
