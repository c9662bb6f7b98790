"""The schema's ordered migrations (``core/schema.py``), applied to real SQLite databases."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_search.core.schema import MIGRATIONS


def _migrate(db: sqlite3.Connection, upto: int) -> None:
    version = db.execute("PRAGMA user_version").fetchone()[0]
    for number in range(version + 1, upto + 1):
        db.executescript(MIGRATIONS[number - 1])
        db.execute(f"PRAGMA user_version = {number}")


def _tables(db: sqlite3.Connection) -> set[str]:
    return {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


@pytest.fixture
def db(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(tmp_path / "index.sqlite3", isolation_level=None)
    connection.execute("PRAGMA foreign_keys = ON")
    yield connection
    connection.close()


def _words(db: sqlite3.Connection, table: str, query: str) -> list[int]:
    return [row[0] for row in db.execute(f"SELECT rowid FROM {table} WHERE {table} MATCH ?", (query,))]


def test_each_migration_adds_what_the_next_version_needs(db: sqlite3.Connection) -> None:
    _migrate(db, 1)
    assert {"meta", "roots", "files", "chunks", "vectors"} <= _tables(db)
    assert "pending" not in _tables(db)
    _migrate(db, 2)
    assert "pending" in _tables(db)
    _migrate(db, 3)
    assert {"chunks_fts", "names_fts"} <= _tables(db)
    assert "name" in [row[1] for row in db.execute("PRAGMA table_info(files)")]
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


def test_file_names_are_filled_in_for_files_indexed_before_names_existed(db: sqlite3.Connection) -> None:
    _migrate(db, 2)
    db.execute("INSERT INTO roots(path, added_at) VALUES ('/home/me', 0)")
    paths = ["/home/me/Documents/quarterly-report.pdf", "C:\\Users\\me\\notes.txt", "/top.txt"]
    for path in paths:
        db.execute(
            "INSERT INTO files(root_id, path, size, mtime_ns, inode, status)"
            " VALUES (1, ?, 1, 1, 1, 'indexed')",
            (path,),
        )
    _migrate(db, 3)
    names = dict(db.execute("SELECT path, name FROM files"))
    assert names == {paths[0]: "quarterly-report.pdf", paths[1]: "notes.txt", paths[2]: "top.txt"}
    (report_id,) = [row[0] for row in db.execute("SELECT id FROM files WHERE path = ?", (paths[0],))]
    assert _words(db, "names_fts", "quarterly") == [report_id]  # the old rows are searchable by name


def test_keyword_tables_change_with_their_rows(db: sqlite3.Connection) -> None:
    _migrate(db, len(MIGRATIONS))
    db.execute("INSERT INTO roots(path, added_at) VALUES ('/r', 0)")
    db.execute(
        "INSERT INTO files(root_id, path, name, size, mtime_ns, inode, status)"
        " VALUES (1, '/r/recipe.md', 'recipe.md', 1, 1, 1, 'indexed')"
    )
    db.execute(
        "INSERT INTO chunks(file_id, ordinal, kind, text, start, end, content_hash)"
        " VALUES (1, 0, 'text', 'Mash the ripe bananas at the café', 0, 33, 'h')"
    )
    assert _words(db, "chunks_fts", "banana") == [1]  # stemmed: bananas
    assert _words(db, "chunks_fts", "cafe") == [1]  # diacritics folded
    db.execute("UPDATE chunks SET text = 'Prune the roses in winter' WHERE id = 1")
    assert _words(db, "chunks_fts", "banana") == [] and _words(db, "chunks_fts", "roses") == [1]

    assert _words(db, "names_fts", "recipe") == [1]
    db.execute("UPDATE files SET path = '/r/garden.md', name = 'garden.md' WHERE id = 1")
    assert _words(db, "names_fts", "recipe") == [] and _words(db, "names_fts", "garden") == [1]

    db.execute("DELETE FROM files WHERE id = 1")  # cascades to its chunks, and both indexes follow
    assert db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0] == 0
    assert _words(db, "chunks_fts", "roses") == [] and _words(db, "names_fts", "garden") == []
    db.execute("INSERT INTO chunks_fts(chunks_fts) VALUES ('integrity-check')")
    db.execute("INSERT INTO names_fts(names_fts) VALUES ('integrity-check')")


def test_a_vector_is_stored_once_per_chunk_and_model(db: sqlite3.Connection) -> None:
    _migrate(db, len(MIGRATIONS))
    db.execute("INSERT INTO roots(path, added_at) VALUES ('/r', 0)")
    db.execute(
        "INSERT INTO files(root_id, path, size, mtime_ns, inode, status) VALUES (1, '/r/a', 1, 1, 1, 'x')"
    )
    db.execute(
        "INSERT INTO chunks(file_id, ordinal, kind, text, start, end, content_hash)"
        " VALUES (1, 0, 'text', 't', 0, 1, 'h')"
    )
    db.execute("INSERT INTO vectors(chunk_id, model_id, vector) VALUES (1, 'a@1', x'00')")
    db.execute("INSERT INTO vectors(chunk_id, model_id, vector) VALUES (1, 'b@2', x'00')")
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO vectors(chunk_id, model_id, vector) VALUES (1, 'a@1', x'01')")
    with pytest.raises(sqlite3.IntegrityError):  # no vector without its chunk
        db.execute("INSERT INTO vectors(chunk_id, model_id, vector) VALUES (99, 'a@1', x'00')")
    db.execute("DELETE FROM roots")  # a forgotten folder takes its files, chunks and vectors
    assert db.execute("SELECT COUNT(*) FROM vectors").fetchone()[0] == 0
