"""The extraction workers: a file that hangs, eats memory, crashes or floods costs one worker."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from desktop_search.core.extract import ExtractionError
from desktop_search.core.extract.sandbox import ExtractionPool, SandboxLimits

PLUGIN = "tests.core.extract.hostile_extractors:register"


@pytest.fixture
def pool():
    limits = SandboxLimits(timeout_s=3, memory_mb=1024, max_output_chars=1_000_000)
    with ExtractionPool(workers=2, limits=limits, plugin=PLUGIN) as pool:
        yield pool


def _wait_until(condition: Callable[[], bool], timeout_s: float = 10.0) -> bool:
    """Whether ``condition`` came true before the deadline (polled often, not one fixed wait)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)
    return True


def _files(folder: Path, names: list[str]) -> list[Path]:
    paths = []
    for name in names:
        path = folder / name
        path.write_text(f"the file {name} about apples")
        paths.append(path)
    return paths


def test_each_bad_file_gets_its_reason_and_the_good_ones_still_extract(pool, tmp_path: Path) -> None:
    names = ["a.txt", "stuck.hang", "b.txt", "hungry.oom", "boom.crash", "c.txt", "big.flood"]
    paths = _files(tmp_path, names)
    started = time.monotonic()
    outcomes = dict(pool.extract_many([(p, 10**6) for p in paths]))
    elapsed = time.monotonic() - started
    by_name = {names[i]: outcome for i, outcome in outcomes.items()}
    for good in ("a.txt", "b.txt", "c.txt"):
        assert "apples" in by_name[good].text
    assert isinstance(by_name["stuck.hang"], ExtractionError)
    assert by_name["stuck.hang"].reason == "timed out after 3 s"
    oom = by_name["hungry.oom"]
    assert isinstance(oom, ExtractionError) and oom.status == "failed"
    if sys.platform.startswith("linux"):
        assert "out of memory (limit 1024 MB)" in oom.reason
    crash = by_name["boom.crash"]
    assert isinstance(crash, ExtractionError) and "crashed (SIGSEGV)" in crash.reason
    flood = by_name["big.flood"]
    assert len(flood.text) == 1_000_000 and flood.note == "text cut at 1,000,000 characters"
    assert pool.replaced == 2  # the hung and the crashed worker
    assert elapsed < 10  # one timeout, not one per file


def test_a_replaced_worker_serves_the_next_files(pool, tmp_path: Path) -> None:
    stuck, good = _files(tmp_path, ["x.hang", "y.txt"])
    with pytest.raises(ExtractionError, match="timed out"):
        pool.extract(stuck, 10**6)
    assert "apples" in pool.extract(good, 10**6).text
    assert pool.running_workers >= 1


def test_idle_workers_stop_and_come_back(tmp_path: Path) -> None:
    (path,) = _files(tmp_path, ["a.txt"])
    with ExtractionPool(workers=1, idle_stop_s=0.5) as pool:
        pool.extract(path, 10**6)
        assert pool.running_workers == 1
        assert _wait_until(lambda: pool.running_workers == 0)
        assert "apples" in pool.extract(path, 10**6).text


def test_a_closed_pool_refuses_work(tmp_path: Path) -> None:
    pool = ExtractionPool(workers=1)
    pool.close()
    with pytest.raises(RuntimeError):
        pool.extract(tmp_path / "a.txt", 10)


def test_worker_pids_are_the_live_worker_processes(pool, tmp_path: Path) -> None:
    assert pool.worker_pids == []  # workers start on first use
    paths = _files(tmp_path, ["one.txt", "two.txt"])
    list(pool.extract_many([(p, 10**6) for p in paths]))
    pids = pool.worker_pids
    assert len(pids) == len(set(pids)) == pool.running_workers == 2
    assert os.getpid() not in pids
    for pid in pids:
        os.kill(pid, 0)  # a process of that id exists
    pool.close()
    assert pool.worker_pids == []


def test_a_worker_killed_while_idle_costs_no_file(pool, tmp_path: Path) -> None:
    first, second = _files(tmp_path, ["one.txt", "two.txt"])
    pool.extract(first, 10**6)
    killed = pool.worker_pids
    assert killed
    for pid in killed:  # e.g. the system's out-of-memory killer, between files
        os.kill(pid, signal.SIGKILL)
    assert _wait_until(lambda: not set(killed) & set(pool.worker_pids))
    assert "apples" in pool.extract(second, 10**6).text
    assert pool.replaced == 0  # no file was blamed for it


def test_workers_that_cannot_start_stop_the_run_and_blame_no_file(tmp_path: Path) -> None:
    # Every worker dying at start (a broken install, a script that cannot be spawned) once
    # marked every file "extractor exited unexpectedly" and failed, for good.
    from desktop_search.core.errors import ExtractorsUnavailableError

    paths = _files(tmp_path, [f"{i}.txt" for i in range(6)])
    with ExtractionPool(workers=2, plugin="tests.no_such_module:register") as broken:
        with pytest.raises(ExtractorsUnavailableError, match="cannot start"):
            list(broken.extract_many([(p, 10**6) for p in paths]))
        assert broken.running_workers == 0
