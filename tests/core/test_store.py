"""SQLite store: migrations, chunk/vector writes, reuse by content hash, cascading deletes."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from desktop_search.core.chunk import Chunk
from desktop_search.core.errors import CorruptDatabaseError, UserError
from desktop_search.core.model.embed import Embedder
from desktop_search.core.records import STATUS_FAILED, NewChunk
from desktop_search.core.store import MIGRATIONS, Store

STAT = (10, 1_000, 42)


def _chunks(embedder: Embedder, texts: list[str]) -> list[NewChunk]:
    vectors = embedder.embed_passages(texts)
    chunks, position = [], 0
    for text, vector in zip(texts, vectors, strict=True):
        chunks.append(NewChunk(Chunk(text, position, position + len(text), 1), "text", vector))
        position += len(text) + 1
    return chunks


def test_fresh_database_has_current_schema(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    assert store.schema_version == len(MIGRATIONS)
    with contextlib.closing(sqlite3.connect(tmp_path / "db.sqlite3")) as db:  # WAL is kept in the file
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert (tmp_path / "db.sqlite3").stat().st_mode & 0o777 == 0o600


def test_migrations_apply_in_order_and_keep_data(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    store = Store(path, migrations=MIGRATIONS[:1])
    root = store.add_root("/home/me/Documents")
    store.close()
    upgraded = Store(path, migrations=[*MIGRATIONS, "ALTER TABLE roots ADD COLUMN label TEXT"])
    assert upgraded.schema_version == len(MIGRATIONS) + 1
    assert upgraded.roots() == [(root, "/home/me/Documents")]
    with contextlib.closing(sqlite3.connect(path)) as db:
        assert "label" in [r[1] for r in db.execute("PRAGMA table_info(roots)")]  # the new column exists


def test_failed_migration_rolls_back(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    Store(path).close()
    with pytest.raises(UserError, match="no_such_table"):
        Store(
            path,
            migrations=[
                *MIGRATIONS,
                "ALTER TABLE roots ADD COLUMN x TEXT; SELECT * FROM no_such_table",
            ],
        )
    store = Store(path)
    assert store.schema_version == len(MIGRATIONS)
    with contextlib.closing(sqlite3.connect(path)) as db:
        assert "x" not in [r[1] for r in db.execute("PRAGMA table_info(roots)")]


def test_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    Store(path).close()
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    with pytest.raises(UserError, match="newer"):
        Store(path)


def test_not_a_database_is_a_user_error(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(CorruptDatabaseError, match="is damaged"):  # a UserError the engine recovers from
        Store(path)


def test_replace_chunks_and_reuse_vectors_by_hash(tmp_path: Path, embedder: Embedder) -> None:
    store = Store(tmp_path / "db.sqlite3")
    root = store.add_root("/r")
    generation = store.vectors_generation()
    chunks = _chunks(embedder, ["first passage about wings", "second passage about tails"])
    new_ids, removed = store.replace_file_chunks(root, "/r/a.txt", STAT, "h1", None, chunks, "m@1")
    assert removed == [] and len(new_ids) == 2
    assert store.vectors_generation() > generation
    reused = store.vectors_for_hashes([chunks[0].chunk.content_hash, "unknown"], "m@1")
    assert list(reused) == [chunks[0].chunk.content_hash]
    assert np.allclose(reused[chunks[0].chunk.content_hash], chunks[0].vector)
    assert store.vectors_for_hashes([chunks[0].chunk.content_hash], "other@2") == {}
    # Replacing the file's chunks removes the old ones, vectors included.
    again, removed = store.replace_file_chunks(root, "/r/a.txt", STAT, "h2", None, chunks[:1], "m@1")
    assert sorted(removed) == sorted(new_ids)
    assert store.chunk_count() == 1 and store.vector_count("m@1") == 1
    hits = store.chunk_hits(again)
    assert hits[again[0]].path == "/r/a.txt" and hits[again[0]].text == "first passage about wings"


def test_deletes_cascade_to_chunks_and_vectors(tmp_path: Path, embedder: Embedder) -> None:
    store = Store(tmp_path / "db.sqlite3")
    root = store.add_root("/r")
    ids_a, _ = store.replace_file_chunks(
        root, "/r/a.txt", STAT, "h", None, _chunks(embedder, ["a one", "a two"]), "m@1"
    )
    ids_b, _ = store.replace_file_chunks(
        root, "/r/b.txt", STAT, "h", None, _chunks(embedder, ["b one"]), "m@1"
    )
    assert sorted(store.delete_files(["/r/a.txt"])) == sorted(ids_a)
    assert store.chunk_count() == 1 and store.vector_count("m@1") == 1
    assert sorted(store.remove_root(root)) == ids_b
    assert store.chunk_count() == 0 and store.vector_count("m@1") == 0
    assert store.status_counts() == {}


def test_failure_status_is_recorded_with_reason(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    root = store.add_root("/r")
    store.record_file_status(root, "/r/x.txt", STAT, STATUS_FAILED, "permission denied")
    assert store.problem_files() == [("/r/x.txt", "failed", "permission denied")]
    state = store.file_state("/r/x.txt")
    assert state is not None and (state.size, state.mtime_ns, state.inode) == STAT


def test_missing_vectors_are_listed_for_a_new_model(tmp_path: Path, embedder: Embedder) -> None:
    store = Store(tmp_path / "db.sqlite3")
    root = store.add_root("/r")
    store.replace_file_chunks(root, "/r/a.txt", STAT, "h", None, _chunks(embedder, ["one", "two"]), "old@1")
    missing = store.chunks_missing_vectors("new@2", 10)
    assert [text for _, text, _ in missing] == ["one", "two"]
    store.add_vectors([(cid, embedder.embed_passages([t])[0]) for cid, t, _ in missing], "new@2")
    assert store.chunks_missing_vectors("new@2", 10) == []
    assert store.vector_models() == {"old@1": 2, "new@2": 2}
    assert store.drop_other_models("new@2") == 2
    assert store.vector_models() == {"new@2": 2}
