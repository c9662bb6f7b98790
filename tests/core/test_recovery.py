"""A damaged index database: detected, moved aside, rebuilt from the files, the user told."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from desktop_search.core.paths import AppPaths


def _damage(database: Path, how: str) -> None:
    data = bytearray(database.read_bytes())
    if how == "header":
        data[0:100] = os.urandom(100)
    elif how == "schema page":
        data[100:1200] = os.urandom(1100)
    else:  # not a database at all
        data = bytearray(os.urandom(len(data)))
    database.write_bytes(bytes(data))


@pytest.mark.parametrize("how", ["header", "schema page", "random bytes"])
def test_damaged_database_is_moved_aside_and_rebuilt(
    engine_factory, app_paths: AppPaths, sample_folder: Path, how: str
) -> None:
    engine = engine_factory()
    engine.index(engine.add_roots([sample_folder]))
    files = engine.store.file_count()
    engine.close()
    for leftover in app_paths.data_dir.glob("index.sqlite3-*"):
        leftover.unlink()  # a clean shutdown folds the WAL; damage the main file only
    _damage(app_paths.database, how)

    recovered = engine_factory()  # must not raise
    status = recovered.status()
    assert status.recovery and "damaged" in status.recovery["message"]
    moved = Path(status.recovery["moved_to"])
    assert moved.exists() and moved.parent == app_paths.data_dir
    assert [str(p) for _, p in recovered.roots()] == [str(sample_folder.resolve())]
    report = recovered.index()
    assert report.files_indexed == files
    assert Path(recovered.search("bananas").results[0].path).name == "banana-bread.md"


def test_healthy_open_reports_no_recovery(engine_factory) -> None:
    assert engine_factory().status().recovery is None


def test_forget_also_removes_moved_aside_databases(
    engine_factory, app_paths: AppPaths, sample_folder: Path
) -> None:
    engine = engine_factory()
    engine.index(engine.add_roots([sample_folder]))
    engine.close()
    _damage(app_paths.database, "header")
    recovered = engine_factory()
    assert list(app_paths.data_dir.glob("index.sqlite3.damaged-*"))
    recovered.forget(sample_folder)
    assert not list(app_paths.data_dir.glob("index.sqlite3.damaged-*"))


def test_a_wal_left_by_a_crash_is_replayed(engine_factory, app_paths: AppPaths, sample_folder: Path) -> None:
    """The process died with committed transactions still only in the WAL: the data dir as
    it was at that moment (the main file and its -wal) opens with everything in it."""
    engine = engine_factory()
    engine.store.pragma("wal_autocheckpoint = 0")  # keep every commit in the WAL…
    engine.store.checkpoint = lambda wait=True: None  # …as a crash before the checkpoint would
    engine.index(engine.add_roots([sample_folder]))
    files, chunks = engine.store.file_count(), engine.store.chunk_count()
    wal = app_paths.database.with_name(app_paths.database.name + "-wal")
    assert wal.stat().st_size > 0
    # What a power cut leaves: the main file and the WAL as they are now (no -shm needed).
    saved = {path: path.read_bytes() for path in (app_paths.database, wal)}
    engine.close()  # (a clean close would fold the WAL in: put the crash state back)
    for path, data in saved.items():
        path.write_bytes(data)
    app_paths.database.with_name(app_paths.database.name + "-shm").unlink(missing_ok=True)

    reopened = engine_factory()
    assert reopened.status().recovery is None
    assert (reopened.store.file_count(), reopened.store.chunk_count()) == (files, chunks)
    assert reopened.store.pragma("integrity_check") == [("ok",)]
    assert Path(reopened.search("bananas").results[0].path).name == "banana-bread.md"


def test_a_garbage_wal_is_ignored_not_fatal(engine_factory, app_paths: AppPaths, sample_folder: Path) -> None:
    engine = engine_factory()
    engine.index(engine.add_roots([sample_folder]))
    files = engine.store.file_count()
    engine.close()  # the WAL is folded in and emptied
    wal = app_paths.database.with_name(app_paths.database.name + "-wal")
    wal.write_bytes(os.urandom(64 * 1024))  # another program's bytes, or a torn write

    reopened = engine_factory()
    assert reopened.status().recovery is None  # SQLite checks the WAL's salts and checksums
    assert reopened.store.file_count() == files
    assert reopened.store.pragma("integrity_check") == [("ok",)]
    assert Path(reopened.search("bananas").results[0].path).name == "banana-bread.md"
