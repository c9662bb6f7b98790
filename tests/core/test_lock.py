"""The per-data-dir writer lock (``core/lock.py``): one writing process at a time, and a
dead process never leaves a stale lock. The other holder is always a real child process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_search.core.errors import DataDirLockedError
from desktop_search.core.lock import WriterLock

_TRY = (
    "import sys\nfrom pathlib import Path\nfrom desktop_search.core.lock import WriterLock\n"
    "print(WriterLock(Path(sys.argv[1])).acquire())\n"
)
_HOLD = (
    "import sys, time\nfrom pathlib import Path\nfrom desktop_search.core.lock import WriterLock\n"
    "assert WriterLock(Path(sys.argv[1])).acquire()\nprint('held', flush=True)\ntime.sleep(120)\n"
)


def _another_process_gets(path: Path) -> bool:
    out = subprocess.run(
        [sys.executable, "-c", _TRY, str(path)], capture_output=True, text=True, timeout=60, check=True
    )
    return out.stdout.strip() == "True"


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the lock on ``tmp_path / "writer.lock"``."""
    child = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(tmp_path / "writer.lock")], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "held"
    yield child
    child.kill()
    child.wait()


def test_a_held_lock_keeps_other_processes_out_until_released(tmp_path: Path) -> None:
    lock = WriterLock(tmp_path / "writer.lock")
    assert lock.acquire()
    assert lock.acquire()  # taking it again in the holder is harmless
    assert lock.holder_pid() == str(os.getpid())
    assert not _another_process_gets(lock.path)
    lock.release()
    lock.release()  # releasing twice too
    assert _another_process_gets(lock.path)


def test_the_lock_goes_with_a_process_that_dies(tmp_path: Path, holder: subprocess.Popen[str]) -> None:
    lock = WriterLock(tmp_path / "writer.lock")
    assert not lock.acquire()
    assert lock.holder_pid() == str(holder.pid)
    holder.kill()  # no chance to clean up, as in a crash
    holder.wait()
    assert lock.acquire()
    assert lock.holder_pid() == str(os.getpid())  # the new holder's pid replaces the old one
    lock.release()


def test_entering_a_held_lock_names_the_holder(tmp_path: Path, holder: subprocess.Popen[str]) -> None:
    with (
        pytest.raises(DataDirLockedError, match=f"pid {holder.pid}") as caught,
        WriterLock(tmp_path / "writer.lock"),
    ):
        pytest.fail("entered a lock another process holds")
    assert str(tmp_path) in str(caught.value)  # which data dir is busy


def test_the_context_manager_releases_on_the_way_out(tmp_path: Path) -> None:
    path = tmp_path / "writer.lock"
    with pytest.raises(RuntimeError, match="indexing failed"), WriterLock(path):
        assert not _another_process_gets(path)
        raise RuntimeError("indexing failed")
    assert _another_process_gets(path)


def test_no_lock_file_means_no_known_holder(tmp_path: Path) -> None:
    assert WriterLock(tmp_path / "writer.lock").holder_pid() == "unknown"
