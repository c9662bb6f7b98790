"""Errors a person can act on (``core/errors.py``): what a full, read-only or failing disk
and a damaged database are told apart by, and how the CLI reports them."""

from __future__ import annotations

import errno
import os
import random
import resource
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_search.core.errors import (
    CorruptDatabaseError,
    DataDirLockedError,
    DownloadCancelledError,
    ExtractorsUnavailableError,
    ModelUnavailableError,
    StorageError,
    UserError,
    is_corruption,
    storage_problem,
)
from desktop_search.core.paths import AppPaths
from tests.conftest import run_cli

WORDS = "alpha beta gamma delta ship river engine cloud paper stone".split()


def _write_folder(folder: Path, files: int, seed: int) -> None:
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    for number in range(files):
        words = (f"{rng.choice(WORDS)}{rng.randint(0, 99999)}" for _ in range(400))
        (folder / f"f{number}.txt").write_text(" ".join(words))


def _cli_with_file_size_limit(data_dir: Path, limit: int, *args: str) -> subprocess.CompletedProcess[str]:
    def limit_writes() -> None:  # writes past the limit fail with EFBIG, as on a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        [sys.executable, "-m", "desktop_search", "--data-dir", str(data_dir), *args],
        preexec_fn=limit_writes, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


def _sqlite_error(action) -> sqlite3.Error:
    """The error real SQLite raises for ``action``."""
    with pytest.raises(sqlite3.Error) as caught:
        action()
    return caught.value


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_disk_full_while_indexing_is_a_clear_error_and_loses_nothing(
    app_paths: AppPaths, tmp_path: Path
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    _write_folder(first, 2, seed=1)
    _write_folder(second, 60, seed=2)
    assert run_cli("index", str(first), data_dir=app_paths.data_dir).returncode == 0
    size = app_paths.database.stat().st_size
    full = _cli_with_file_size_limit(app_paths.data_dir, size + 100_000, "index", str(second))
    assert full.returncode == 1
    assert "Traceback" not in full.stderr
    assert "The disk holding the index" in full.stderr and "Nothing was lost" in full.stderr
    # What was indexed before is intact and searchable; indexing resumes once there is room.
    status = run_cli("status", data_dir=app_paths.data_dir)
    assert status.returncode == 0, status.stderr
    found = run_cli("search", "--json", (first / "f0.txt").read_text()[:60], data_dir=app_paths.data_dir)
    assert '"f0.txt"' in found.stdout or "/f0.txt" in found.stdout
    resumed = run_cli("index", data_dir=app_paths.data_dir)
    assert resumed.returncode == 0, resumed.stderr
    assert "Indexed" in resumed.stdout


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root ignores permissions")
def test_read_only_data_dir_is_a_clear_error(app_paths: AppPaths, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    _write_folder(folder, 2, seed=3)
    assert run_cli("index", str(folder), data_dir=app_paths.data_dir).returncode == 0
    (folder / "new.txt").write_text("a new file about rivers")
    for path in [app_paths.data_dir, *app_paths.data_dir.iterdir()]:
        path.chmod(0o500 if path.is_dir() else 0o400)
    try:
        result = run_cli("index", data_dir=app_paths.data_dir)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert run_cli("search", "rivers", data_dir=app_paths.data_dir).returncode == 0
    finally:
        for path in [app_paths.data_dir, *app_paths.data_dir.iterdir()]:
            path.chmod(0o700 if path.is_dir() else 0o600)


def test_a_full_database_is_told_as_a_full_disk(tmp_path: Path) -> None:
    database = tmp_path / "data" / "index.sqlite3"
    database.parent.mkdir()
    db = sqlite3.connect(database)
    db.execute("CREATE TABLE t (x BLOB)")
    db.execute("PRAGMA max_page_count = 8")  # as if the disk had room for 8 pages
    exc = _sqlite_error(lambda: db.execute("INSERT INTO t VALUES (?)", (b"\0" * 100_000,)))
    db.close()
    message = storage_problem(exc, database)
    assert message is not None and f"({database.parent}) is full" in message
    assert "Nothing was lost" in message
    assert not is_corruption(exc)  # full is not damaged: nothing to move aside
    no_space = storage_problem(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), database)
    assert no_space is not None and "is full" in no_space


def test_a_read_only_database_is_told_as_a_read_only_disk(tmp_path: Path) -> None:
    database = tmp_path / "index.sqlite3"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE t (x)")
    db.close()
    readonly = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)
    exc = _sqlite_error(lambda: readonly.execute("INSERT INTO t VALUES (1)"))
    readonly.close()
    message = storage_problem(exc, database)
    assert message is not None and "is read-only" in message
    failing = storage_problem(OSError(errno.EIO, os.strerror(errno.EIO)), database)
    assert failing is not None and "could not be written" in failing


def test_a_lock_or_a_bug_is_not_a_storage_problem(tmp_path: Path) -> None:
    database = tmp_path / "index.sqlite3"
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")
    other = sqlite3.connect(database, timeout=0)
    locked = _sqlite_error(lambda: other.execute("INSERT INTO t VALUES (1)"))
    missing = _sqlite_error(lambda: other.execute("SELECT * FROM no_such_table"))
    holder.execute("ROLLBACK")
    holder.close()
    other.close()
    for exc in (locked, missing, OSError(errno.ENOENT, "No such file")):
        assert storage_problem(exc, database) is None, exc
    assert not is_corruption(locked) and not is_corruption(missing)


def test_a_file_that_is_not_a_database_is_corruption(tmp_path: Path) -> None:
    database = tmp_path / "index.sqlite3"
    database.write_bytes(os.urandom(8192))
    db = sqlite3.connect(database)
    exc = _sqlite_error(lambda: db.execute("SELECT * FROM sqlite_master").fetchall())
    db.close()
    assert isinstance(exc, sqlite3.DatabaseError) and is_corruption(exc)
    assert storage_problem(exc, database) is None  # damaged, not a disk problem


def test_what_the_cli_prints_as_one_line_is_a_user_error() -> None:
    for kind in (
        ModelUnavailableError,
        DataDirLockedError,
        CorruptDatabaseError,
        ExtractorsUnavailableError,
        StorageError,
    ):
        assert issubclass(kind, UserError), kind
    # A stopped download is the user's own choice, not an error to report.
    assert not issubclass(DownloadCancelledError, UserError)
