"""Every query search makes, on a read-only connection of its own.

The writer's connection is busy for a whole batch at a time; a search on its own connection
(WAL: readers see the last commit, and never wait for the writer) keeps the search box
responsive during indexing. FTS5 (BM25) over chunk text and over file names/paths, the SQL
for phrase, exclusion, type, folder and date restrictions, and the reads of passages.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from desktop_search.core.keyword import quote
from desktop_search.core.query import ParsedQuery
from desktop_search.core.store import Store


class SearchReads(Store):
    """The index database opened read-only for search; every method is a read."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, readonly=True)

    def _read(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def fts_chunk_hits(self, match: str, limit: int) -> list[tuple[int, int, float]]:
        """(chunk id, file id, BM25 score: higher is better) of the best chunks."""
        # The best ``limit`` first, then their files: joining before the LIMIT looked up the
        # file of every matching chunk (thousands) to keep 80 (2.4 -> 1.1 ms a query at 100k chunks).
        rows = self._read(
            "SELECT c.id, c.file_id, top.score FROM (SELECT rowid, -bm25(chunks_fts) AS score"
            " FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY bm25(chunks_fts) LIMIT ?) AS top"
            " JOIN chunks c ON c.id = top.rowid ORDER BY top.score DESC",
            (match, limit),
        )
        return [(int(a), int(b), float(c)) for a, b, c in rows]

    def fts_name_hits(self, match: str, limit: int) -> list[tuple[int, float]]:
        """(file id, score) of files whose name (weighted 4x) or folders match."""
        rows = self._read(
            "SELECT rowid, -bm25(names_fts, 4.0, 1.0) FROM names_fts WHERE names_fts MATCH ?"
            " ORDER BY bm25(names_fts, 4.0, 1.0) LIMIT ?",
            (match, limit),
        )
        return [(int(a), float(b)) for a, b in rows]

    def files_named(self, terms: list[str]) -> set[int]:
        """Files whose name contains every one of ``terms``."""
        if not terms:
            return set()
        match = " AND ".join(f"name : {quote(t)}" for t in terms)
        return {
            int(r[0]) for r in self._read("SELECT rowid FROM names_fts WHERE names_fts MATCH ?", (match,))
        }

    def files_containing(self, text: str) -> set[int]:
        """Files with a chunk (or a name) containing ``text`` as a phrase."""
        literal = quote(text)
        rows = self._read(
            "SELECT DISTINCT c.file_id FROM chunks_fts JOIN chunks c ON c.id = chunks_fts.rowid"
            " WHERE chunks_fts MATCH ?",
            (literal,),
        )
        names = self._read("SELECT rowid FROM names_fts WHERE names_fts MATCH ?", (f"name : {literal}",))
        return {int(r[0]) for r in rows} | {int(r[0]) for r in names}

    def files_containing_few(self, text: str, cap: int) -> set[int] | None:
        """Like ``files_containing``, or None when more than ``cap`` chunks match (too costly
        to list: check the candidates with ``files_with_text`` instead)."""
        if self.chunk_frequency(text, cap + 1) > cap:
            return None
        return self.files_containing(text)

    def files_with_text(self, file_ids: Iterable[int], text: str) -> set[int]:
        """Which of these (few) files have a chunk containing ``text`` (case-insensitive)."""
        ids = list(file_ids)
        if not ids:
            return set()
        rows = self._read(
            f"SELECT DISTINCT file_id FROM chunks WHERE file_id IN ({','.join('?' * len(ids))})"
            " AND instr(lower(text), ?) > 0",
            [*ids, " ".join(text.lower().split())],
        )
        return {int(r[0]) for r in rows}

    def chunk_frequency(self, term: str, cap: int) -> int:
        """How many chunks contain ``term`` (counting stops at ``cap``)."""
        rows = self._read(
            "SELECT COUNT(*) FROM (SELECT 1 FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT ?)",
            (quote(term), cap),
        )
        return int(rows[0][0])

    def filtered_files(self, parsed: ParsedQuery) -> set[int] | None:
        """Files passing the type, folder and date filters; None when there are none."""
        if not parsed.has_filters:
            return None
        clauses: list[str] = []
        params: list[object] = []
        if parsed.extensions:
            clauses.append(
                "(" + " OR ".join("lower(name) LIKE ? ESCAPE '\\'" for _ in parsed.extensions) + ")"
            )
            params += [f"%{_escape_like(ext.lower())}" for ext in sorted(parsed.extensions)]
        for folder in parsed.folders:
            clauses.append("(path LIKE ? ESCAPE '\\' OR path LIKE ? ESCAPE '\\')")
            params += [f"%/{_escape_like(folder)}/%", f"%\\{_escape_like(folder)}\\%"]
        if parsed.roots:
            clauses.append("(" + " OR ".join("path LIKE ? ESCAPE '\\'" for _ in parsed.roots) + ")")
            params += [_escape_like(root.rstrip("/\\") + os.sep) + "%" for root in parsed.roots]
        if parsed.after is not None:
            clauses.append("mtime_ns >= ?")
            params.append(int(parsed.after.timestamp() * 1e9))
        if parsed.before is not None:
            clauses.append("mtime_ns < ?")
            params.append(int(parsed.before.timestamp() * 1e9))
        rows = self._read(
            f"SELECT id FROM files WHERE status = 'indexed' AND {' AND '.join(clauses)}", params
        )
        return {int(r[0]) for r in rows}

    def chunk_ids_of(self, file_ids: Iterable[int]) -> set[int]:
        ids = list(file_ids)
        found: set[int] = set()
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            rows = self._read(f"SELECT id FROM chunks WHERE file_id IN ({','.join('?' * len(part))})", part)
            found.update(int(r[0]) for r in rows)
        return found

    def recent_files(self, file_ids: set[int] | None, limit: int) -> list[int]:
        """Most recently modified indexed files (for a query that is only filters)."""
        rows = self._read(
            "SELECT id FROM files WHERE status = 'indexed' ORDER BY mtime_ns DESC LIMIT ?",
            (limit if file_ids is None else 1_000_000,),
        )
        ordered = [int(r[0]) for r in rows]
        return [f for f in ordered if file_ids is None or f in file_ids][:limit]

    def identical_chunks(self, chunk_ids: Sequence[int], model_id: str, limit: int) -> list[tuple[int, int]]:
        """(chunk id, another chunk with the same text and a vector of this model): copies of a
        file, a passage two files share; at most ``limit`` pairs."""
        sql = identical_chunks_sql(len(chunk_ids))
        with self._lock:
            return [(int(a), int(b)) for a, b in self._db.execute(sql, (model_id, *chunk_ids, limit))]

    def chunk_owners(self, chunk_ids: Sequence[int]) -> dict[int, int]:
        """chunk id -> file id (no text read)."""
        found: dict[int, int] = {}
        with self._lock:
            for start in range(0, len(chunk_ids), 500):
                part = list(chunk_ids[start : start + 500])
                rows = self._db.execute(
                    f"SELECT id, file_id FROM chunks WHERE id IN ({','.join('?' * len(part))})", part
                )
                found.update((int(a), int(b)) for a, b in rows)
        return found

    def vectors_of_file(self, path: str, model_id: str) -> tuple[int, list[bytes]] | None:
        """(file id, its chunks' stored vectors of this model), None if it has none."""
        rows = self._read(
            "SELECT f.id, v.vector FROM files f JOIN chunks c ON c.file_id = f.id"
            " JOIN vectors v ON v.chunk_id = c.id WHERE f.path = ? AND v.model_id = ?",
            (path, model_id),
        )
        return (int(rows[0][0]), [bytes(r[1]) for r in rows]) if rows else None

    def chunk_text_at(self, path: str, start: int, end: int) -> tuple[str, int] | None:
        """(text, start) of the file's text chunk spanning [start, end), if it still exists."""
        rows = self._read(
            "SELECT c.text, c.start FROM chunks c JOIN files f ON f.id = c.file_id"
            " WHERE f.path = ? AND c.start = ? AND c.end = ? AND c.kind != 'name' LIMIT 1",
            (path, start, end),
        )
        return (str(rows[0][0]), int(rows[0][1])) if rows else None

    def first_chunk(self, file_id: int) -> int | None:
        """The id of a file's first chunk (its opening), if it has one."""
        rows = self._read("SELECT id FROM chunks WHERE file_id = ? ORDER BY ordinal LIMIT 1", (file_id,))
        return int(rows[0][0]) if rows else None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def identical_chunks_sql(count: int) -> str:
    """The twins of ``count`` chunks. CROSS JOIN fixes the loop order: SQLite would otherwise
    start from ``vectors_model`` (model_id = ? looks selective to a planner without statistics,
    yet holds every vector) and read all of a model's vectors for each search: 2.6 s instead of
    1.5 ms at 100k chunks."""
    return (
        "SELECT a.id, b.id FROM chunks a CROSS JOIN chunks b ON b.content_hash = a.content_hash"
        " AND b.id != a.id AND b.kind = a.kind CROSS JOIN vectors v ON v.chunk_id = b.id AND v.model_id = ?"
        f" WHERE a.id IN ({','.join('?' * count)}) LIMIT ?"
    )
