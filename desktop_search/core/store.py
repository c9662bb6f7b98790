"""SQLite, the source of truth: roots, files and their state, chunks, vectors.

WAL + synchronous=NORMAL, a schema version (``PRAGMA user_version``) with ordered
migrations, short transactions. One ``Store`` per thread that uses it; all writes happen
on the indexing thread. The hnswlib index is a cache rebuilt from the ``vectors`` table.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from desktop_search.core import errors
from desktop_search.core.errors import UserError
from desktop_search.core.records import (
    STATUS_ENCRYPTED,
    STATUS_FAILED,
    STATUS_INDEXED,
    STATUS_SKIPPED,
    ChunkHit,
    FileState,
    NewChunk,
    Vector,
)
from desktop_search.core.schema import MIGRATIONS, Migration

# No memory-mapped reads: after a few hundred keyword searches a 100k-chunk database had
# 250 MB of its pages mapped into the app (bench.footprint), for ~1.5 ms less per search.
MMAP_BYTES = 0
CACHE_KIB = 8192  # SQLite page cache per connection: 4 MB or 16 MB measured the same search latency


class Store:
    """One connection to the index database. Methods are safe to call from one thread."""

    def __init__(self, path: Path, migrations: Sequence[Migration] = MIGRATIONS, readonly: bool = False):
        self.path = path
        self._lock = threading.RLock()
        try:
            if readonly:
                uri = f"{path.as_uri()}?mode=ro"
                self._db = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
            else:
                self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
                if os.name == "posix":
                    os.chmod(path, 0o600)
            self._db.execute("PRAGMA busy_timeout = 10000")
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
            self._db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            if not readonly:
                self._db.execute("PRAGMA journal_mode = WAL")
                self._db.execute("PRAGMA synchronous = NORMAL")
                if sys.platform == "darwin":
                    self._db.execute("PRAGMA fullfsync = ON")
                self._migrate(migrations)
        except sqlite3.DatabaseError as exc:
            if errors.is_corruption(exc):
                raise errors.CorruptDatabaseError(f"The index database {path} is damaged: {exc}") from exc
            raise UserError(f"Cannot open the index database {path}: {exc}") from exc

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- schema -----------------------------------------------------------------------
    def _migrate(self, migrations: Sequence[Migration]) -> None:
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if version > len(migrations):
            raise UserError(
                f"The index at {self.path} was made by a newer Desktop Search "
                f"(schema {version}, this version knows {len(migrations)}); please update."
            )
        for number, script in enumerate(migrations[version:], start=version + 1):
            with self.transaction():
                for statement in _statements(script):
                    self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {number}")

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                problem = errors.storage_problem(exc, self.path)
                if problem is None:
                    raise
                if self._db.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        self._db.execute("ROLLBACK")
                raise errors.StorageError(problem) from exc

    # -- meta ---------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as db:
            _set_meta(db, key, value)

    def vectors_generation(self) -> int:
        """Bumped in every transaction that adds or removes vectors (the ANN cache checks it)."""
        return int(self.get_meta("vectors_generation") or 0)

    # -- roots --------------------------------------------------------------------------
    def add_root(self, path: str) -> int:
        with self.transaction() as db:
            db.execute("INSERT OR IGNORE INTO roots(path, added_at) VALUES (?, ?)", (path, time.time()))
            return int(db.execute("SELECT id FROM roots WHERE path = ?", (path,)).fetchone()[0])

    def roots(self) -> list[tuple[int, str]]:
        with self._lock:
            return [
                (int(r[0]), str(r[1])) for r in self._db.execute("SELECT id, path FROM roots ORDER BY path")
            ]

    def hand_over_covered_files(self, root_id: int) -> int:
        """Give ``root_id``'s files that another root's folder also holds (a root nested in it,
        or one it is nested in) to that root, the deepest first, so removing ``root_id``
        keeps them; returns how many changed hands."""
        moved = 0
        with self.transaction() as db:
            others = db.execute("SELECT id, path FROM roots WHERE id != ?", (root_id,)).fetchall()
            for other_id, other in sorted(others, key=lambda row: -len(row[1])):
                cursor = db.execute(
                    "UPDATE files SET root_id = ? WHERE root_id = ? AND path >= ? AND path < ?",
                    (other_id, root_id, *_path_range(other)),
                )
                moved += int(cursor.rowcount)
        return moved

    def remove_root(self, root_id: int) -> list[int]:
        """Delete a root with its files, chunks and vectors; returns the deleted chunk ids."""
        with self.transaction() as db:
            ids = _ids(
                db,
                "SELECT c.id FROM chunks c JOIN files f ON f.id = c.file_id WHERE f.root_id = ?",
                (root_id,),
            )
            db.execute("DELETE FROM roots WHERE id = ?", (root_id,))
            _bump_generation(db)
        return ids

    # -- files --------------------------------------------------------------------------
    def files_of_root(self, root_id: int) -> dict[str, FileState]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_FILE_COLUMNS} FROM files WHERE root_id = ?", (root_id,)
            ).fetchall()
        return {row[2]: FileState(*row) for row in rows}

    def file_state(self, path: str) -> FileState | None:
        with self._lock:
            row = self._db.execute(f"SELECT {_FILE_COLUMNS} FROM files WHERE path = ?", (path,)).fetchone()
        return None if row is None else FileState(*row)

    def record_file_status(
        self,
        root_id: int,
        path: str,
        stat: tuple[int, int, int],
        status: str,
        reason: str | None,
        content_hash: str | None = None,
        seq: int | None = None,
    ) -> list[int]:
        """Record a file that has no chunks (failed, skipped, empty); returns dropped chunk ids."""
        with self.transaction() as db:
            _dequeue(db, path, seq)
            file_id = _upsert_file(db, root_id, path, stat, content_hash, status, reason, None)
            dropped = _ids(db, "SELECT id FROM chunks WHERE file_id = ?", (file_id,))
            if dropped:
                db.execute("DELETE FROM chunks WHERE file_id = ?", (file_id,))
                _bump_generation(db)
        return dropped

    def update_file_stat(self, path: str, stat: tuple[int, int, int], seq: int | None = None) -> None:
        """A file whose stat changed but whose content did not (touch, copy back)."""
        with self.transaction() as db:
            _dequeue(db, path, seq)
            db.execute("UPDATE files SET size = ?, mtime_ns = ?, inode = ? WHERE path = ?", (*stat, path))

    def replace_file_chunks(
        self,
        root_id: int,
        path: str,
        stat: tuple[int, int, int],
        content_hash: str,
        title: str | None,
        chunks: Sequence[NewChunk],
        model_id: str,
        seq: int | None = None,
        note: str | None = None,
    ) -> tuple[list[int], list[int]]:
        """Store a file's new chunks and vectors in one transaction; ``note`` says what was
        left out of a partial extraction.

        Returns (new chunk ids in input order, chunk ids that were removed).
        """
        with self.transaction() as db:
            _dequeue(db, path, seq)
            file_id = _upsert_file(db, root_id, path, stat, content_hash, STATUS_INDEXED, note, title)
            removed = _ids(db, "SELECT id FROM chunks WHERE file_id = ?", (file_id,))
            db.execute("DELETE FROM chunks WHERE file_id = ?", (file_id,))
            new_ids: list[int] = []
            for ordinal, item in enumerate(chunks):
                c = item.chunk
                cursor = db.execute(
                    "INSERT INTO chunks(file_id, ordinal, kind, text, start, end, line, page, content_hash)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        file_id,
                        ordinal,
                        item.kind,
                        c.text,
                        c.start,
                        c.end,
                        c.line,
                        c.page,
                        c.content_hash,
                    ),
                )
                chunk_id = int(cursor.lastrowid or 0)
                new_ids.append(chunk_id)
                if item.vector is not None:
                    db.execute(
                        "INSERT INTO vectors(chunk_id, model_id, vector) VALUES (?, ?, ?)",
                        (chunk_id, model_id, _blob(item.vector)),
                    )
            _bump_generation(db)
        return new_ids, removed

    def delete_files(self, paths: Iterable[str], seqs: dict[str, int] | None = None) -> list[int]:
        """Forget files (and their chunks and vectors); returns the deleted chunk ids."""
        removed: list[int] = []
        with self.transaction() as db:
            for path in paths:
                _dequeue(db, path, (seqs or {}).get(path))
                removed += _ids(
                    db,
                    "SELECT c.id FROM chunks c JOIN files f ON f.id = c.file_id WHERE f.path = ?",
                    (path,),
                )
                db.execute("DELETE FROM files WHERE path = ?", (path,))
            if removed:
                _bump_generation(db)
        return removed

    def find_moved(self, stat: tuple[int, int, int]) -> FileState | None:
        """An indexed file with this exact (size, mtime_ns, inode) whose path no longer exists."""
        size, mtime_ns, inode = stat
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_FILE_COLUMNS} FROM files WHERE inode = ? AND size = ? AND mtime_ns = ?",
                (inode, size, mtime_ns),
            ).fetchall()
        for row in rows:
            if not os.path.lexists(row[2]):
                return FileState(*row)
        return None

    def rename_file(self, old_path: str, new_path: str, root_id: int, seq: int | None = None) -> None:
        """A move: the file keeps its chunks and vectors under its new path."""
        with self.transaction() as db:
            _dequeue(db, new_path, seq)
            db.execute("DELETE FROM files WHERE path = ?", (new_path,))
            db.execute(
                "UPDATE files SET path = ?, name = ?, root_id = ? WHERE path = ?",
                (new_path, os.path.basename(new_path), root_id, old_path),
            )

    def files_under(self, folder: str) -> dict[str, FileState]:
        """Every known file inside ``folder`` (at any depth)."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_FILE_COLUMNS} FROM files WHERE path >= ? AND path < ?", _path_range(folder)
            ).fetchall()
        return {row[2]: FileState(*row) for row in rows}

    # -- work queue -----------------------------------------------------------------------
    def enqueue(self, items: Sequence[tuple[str, int, float]]) -> None:
        """Add (path, root id, priority) to the work queue; a lower priority runs sooner."""
        if not items:
            return
        with self.transaction() as db:
            (top,) = db.execute("SELECT COALESCE(MAX(seq), 0) FROM pending").fetchone()
            db.executemany(
                "INSERT INTO pending(path, root_id, priority, seq) VALUES (?, ?, ?, ?) ON CONFLICT(path)"
                " DO UPDATE SET root_id = excluded.root_id, seq = excluded.seq,"
                " priority = MIN(priority, excluded.priority)",
                [(path, root_id, priority, top + n) for n, (path, root_id, priority) in enumerate(items, 1)],
            )

    def pending_batch(self, limit: int, below: float) -> list[tuple[str, int, int]]:
        """(path, root id, seq) of the most urgent queued paths with priority < ``below``."""
        with self._lock:
            rows = self._db.execute(
                "SELECT path, root_id, seq FROM pending WHERE priority < ? ORDER BY priority, seq LIMIT ?",
                (below, limit),
            ).fetchall()
        return [(str(p), int(r), int(s)) for p, r, s in rows]

    def defer(self, path: str, seq: int, priority: float) -> None:
        """Push a queued path back (e.g. a vanished file, deleted after the adds)."""
        with self.transaction() as db:
            db.execute("UPDATE pending SET priority = ? WHERE path = ? AND seq = ?", (priority, path, seq))

    def dequeue(self, path: str, seq: int) -> None:
        with self.transaction() as db:
            _dequeue(db, path, seq)

    def pending_count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM pending").fetchone()[0])

    # -- vectors ------------------------------------------------------------------------
    def vectors_for_hashes(self, hashes: Iterable[str], model_id: str) -> dict[str, Vector]:
        """Existing vectors of chunks with these content hashes (to avoid re-embedding)."""
        found: dict[str, Vector] = {}
        unique = list(set(hashes))
        with self._lock:
            for start in range(0, len(unique), 500):
                part = unique[start : start + 500]
                for content_hash, blob in self._db.execute(
                    vectors_for_hashes_sql(len(part)), (model_id, *part)
                ):
                    found.setdefault(content_hash, np.frombuffer(blob, dtype=np.float32))
        return found

    def chunks_missing_vectors(self, model_id: str, limit: int) -> list[tuple[int, str, str]]:
        """(chunk id, text, content hash) of chunks without a vector for ``model_id``."""
        with self._lock:
            rows = self._db.execute(
                "SELECT c.id, c.text, c.content_hash FROM chunks c WHERE NOT EXISTS"
                " (SELECT 1 FROM vectors v WHERE v.chunk_id = c.id AND v.model_id = ?) ORDER BY c.id LIMIT ?",
                (model_id, limit),
            ).fetchall()
        return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]

    def add_vectors(self, items: Sequence[tuple[int, Vector]], model_id: str) -> None:
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO vectors(chunk_id, model_id, vector) VALUES (?, ?, ?)",
                [(chunk_id, model_id, _blob(v)) for chunk_id, v in items],
            )
            _bump_generation(db)

    def drop_other_models(self, keep_model_id: str) -> int:
        """Delete vectors of every model but ``keep_model_id``; returns how many."""
        with self.transaction() as db:
            count = db.execute("DELETE FROM vectors WHERE model_id != ?", (keep_model_id,)).rowcount
            _bump_generation(db)
        return int(count)

    def iter_vectors(self, model_id: str, batch: int = 4096) -> Iterator[tuple[list[int], Vector]]:
        """All (chunk ids, vectors matrix) for a model, in batches, ordered by chunk id."""
        last = 0
        while True:
            with self._lock:
                rows = self._db.execute(
                    "SELECT chunk_id, vector FROM vectors WHERE model_id = ? AND chunk_id > ?"
                    " ORDER BY chunk_id LIMIT ?",
                    (model_id, last, batch),
                ).fetchall()
            if not rows:
                return
            ids = [int(r[0]) for r in rows]
            yield ids, np.vstack([np.frombuffer(r[1], dtype=np.float32) for r in rows])
            last = ids[-1]

    def vector_count(self, model_id: str) -> int:
        with self._lock:
            return int(
                self._db.execute("SELECT COUNT(*) FROM vectors WHERE model_id = ?", (model_id,)).fetchone()[0]
            )

    def vector_models(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT model_id, COUNT(*) FROM vectors GROUP BY model_id").fetchall()
        return {str(r[0]): int(r[1]) for r in rows}

    # -- reads for search and status ------------------------------------------------------
    def chunk_hits(self, chunk_ids: Sequence[int]) -> dict[int, ChunkHit]:
        found: dict[int, ChunkHit] = {}
        with self._lock:
            for start in range(0, len(chunk_ids), 500):
                part = list(chunk_ids[start : start + 500])
                marks = ",".join("?" * len(part))
                for row in self._db.execute(
                    "SELECT c.id, f.id, f.path, f.title, c.kind, c.text, c.start, c.end, c.line, c.page"
                    f" FROM chunks c JOIN files f ON f.id = c.file_id WHERE c.id IN ({marks})",
                    part,
                ):
                    found[int(row[0])] = ChunkHit(*row)
        return found

    def pragma(self, statement: str) -> list[tuple[Any, ...]]:
        """Run ``PRAGMA <statement>`` (diagnostics: ``integrity_check``, ``wal_autocheckpoint = 0``)."""
        with self._lock:
            return self._db.execute(f"PRAGMA {statement}").fetchall()

    def check_keyword_index(self) -> None:
        """Raise sqlite3.DatabaseError if the FTS indexes disagree with their tables."""
        with self.transaction() as db:
            db.execute("INSERT INTO chunks_fts(chunks_fts) VALUES ('integrity-check')")
            db.execute("INSERT INTO names_fts(names_fts) VALUES ('integrity-check')")

    def mark_for_retry(self, paths: Sequence[str] | None = None) -> list[tuple[str, int]]:
        """Forget the recorded state of failed, skipped and encrypted files (all, or these),
        so that the next scan reads them again. Returns (path, root id) of those marked."""
        statuses = (STATUS_FAILED, STATUS_SKIPPED, STATUS_ENCRYPTED)
        with self.transaction() as db:
            rows = db.execute(
                "SELECT path, root_id FROM files WHERE status IN (?, ?, ?)", statuses
            ).fetchall()
            wanted = None if paths is None else set(paths)
            marked = [(str(path), int(root_id)) for path, root_id in rows if wanted is None or path in wanted]
            db.executemany("UPDATE files SET size = -1 WHERE path = ?", [(path,) for path, _ in marked])
            return marked

    def status_counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT status, COUNT(*) FROM files GROUP BY status").fetchall()
        return {str(r[0]): int(r[1]) for r in rows}

    def file_count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM files").fetchone()[0])

    def chunk_count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])

    def problem_files(self, limit: int = 1000) -> list[tuple[str, str, str]]:
        """(path, status, reason) of failed, skipped and encrypted files."""
        statuses = (STATUS_FAILED, STATUS_SKIPPED, STATUS_ENCRYPTED)
        return self._files_where("status IN (?, ?, ?)", statuses, limit)

    def partly_indexed_files(self, limit: int = 1000) -> list[tuple[str, str, str]]:
        """(path, status, reason) of indexed files with a note on what was not read (no text
        layer, pages left out, text cut); files that are merely empty are not listed."""
        return self._files_where(
            "status = ? AND reason IS NOT NULL AND reason != 'no text'", (STATUS_INDEXED,), limit
        )

    def _files_where(self, condition: str, values: tuple[str, ...], limit: int) -> list[tuple[str, str, str]]:
        sql = f"SELECT path, status, COALESCE(reason, '') FROM files WHERE {condition} ORDER BY path LIMIT ?"
        with self._lock:
            rows = self._db.execute(sql, (*values, limit)).fetchall()
        return [(str(a), str(b), str(c)) for a, b, c in rows]

    def checkpoint(self, wait: bool = True) -> None:
        """Fold the WAL into the database file; ``wait=False`` never waits for readers."""
        with self._lock:
            self._db.execute(f"PRAGMA wal_checkpoint({'TRUNCATE' if wait else 'PASSIVE'})")

    def vacuum(self) -> None:
        with self._lock:
            self._db.execute("VACUUM")

    def release_memory(self) -> None:
        """Free SQLite's page cache (an idle app needs none; the OS still caches the file)."""
        with self._lock:
            self._db.execute("PRAGMA shrink_memory")


_FILE_COLUMNS = "id, root_id, path, size, mtime_ns, inode, content_hash, status, reason"


def _path_range(folder: str) -> tuple[str, str]:
    """[low, high) of the paths inside ``folder`` at any depth, for an indexed range query."""
    prefix = folder.rstrip("/\\") + os.sep
    return prefix, prefix[:-1] + chr(ord(os.sep) + 1)


def _statements(script: str) -> list[str]:
    """Split a migration into complete statements (trigger bodies contain semicolons)."""
    statements, buffer = [], ""
    for piece in script.split(";"):
        buffer += piece + ";"
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    rest = buffer.rstrip(";").strip()
    if rest and not all(line.strip().startswith("--") for line in rest.splitlines() if line.strip()):
        statements.append(rest)
    return [s for s in statements if s.strip(";").strip()]


def _ids(db: sqlite3.Connection, sql: str, params: tuple[object, ...]) -> list[int]:
    return [int(r[0]) for r in db.execute(sql, params)]


def _blob(vector: Vector) -> bytes:
    return np.ascontiguousarray(vector, dtype=np.float32).tobytes()


def _dequeue(db: sqlite3.Connection, path: str, seq: int | None) -> None:
    """Clear the queue entry that asked for this work, unless the path was queued again since."""
    if seq is not None:
        db.execute("DELETE FROM pending WHERE path = ? AND seq = ?", (path, seq))


def _set_meta(db: sqlite3.Connection, key: str, value: str) -> None:
    db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))


def _bump_generation(db: sqlite3.Connection) -> None:
    db.execute(
        "INSERT INTO meta(key, value) VALUES ('vectors_generation', '1') ON CONFLICT(key)"
        " DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)"
    )


def _upsert_file(
    db: sqlite3.Connection,
    root_id: int,
    path: str,
    stat: tuple[int, int, int],
    content_hash: str | None,
    status: str,
    reason: str | None,
    title: str | None,
) -> int:
    size, mtime_ns, inode = stat
    db.execute(
        "INSERT INTO files(root_id, path, name, size, mtime_ns, inode, content_hash, status, reason,"
        " title, indexed_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(path) DO UPDATE SET root_id = excluded.root_id,"
        " size = excluded.size, mtime_ns = excluded.mtime_ns, inode = excluded.inode,"
        " content_hash = excluded.content_hash, status = excluded.status, reason = excluded.reason,"
        " title = excluded.title, indexed_at = excluded.indexed_at",
        (
            root_id,
            path,
            os.path.basename(path),
            size,
            mtime_ns,
            inode,
            content_hash,
            status,
            reason,
            title,
            time.time(),
        ),
    )
    return int(db.execute("SELECT id FROM files WHERE path = ?", (path,)).fetchone()[0])


def salvage_roots(database: Path) -> list[str]:
    """Folder paths still readable from a damaged database (often its first pages survive)."""
    try:
        db = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)
        try:
            return [str(row[0]) for row in db.execute("SELECT path FROM roots")]
        finally:
            db.close()
    except sqlite3.Error:
        return []


def vectors_for_hashes_sql(count: int) -> str:
    """Stored vectors of chunks with any of ``count`` content hashes. CROSS JOIN fixes the loop
    order (the hashes first): SQLite would otherwise start from ``vectors_model`` and read every
    vector of the model for each batch the indexer writes (1.7 s per batch at 100k chunks)."""
    return (
        "SELECT c.content_hash, v.vector FROM chunks c CROSS JOIN vectors v ON v.chunk_id = c.id"
        f" AND v.model_id = ? WHERE c.content_hash IN ({','.join('?' * count)})"
    )
