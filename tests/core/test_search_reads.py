"""The search side's read-only connection: it answers while the writer holds its own, and
it cannot write."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from pathlib import Path

import pytest

from desktop_search.core.keyword import quote
from desktop_search.core.query import parse_query
from desktop_search.core.search_reads import SearchReads, identical_chunks_sql
from desktop_search.core.store import vectors_for_hashes_sql

MINILM_ID = "any-model"  # the plan does not depend on the value


def test_a_search_is_answered_while_the_writer_holds_a_transaction(
    engine_factory, sample_folder: Path
) -> None:
    engine = engine_factory()
    engine.index(engine.add_roots([sample_folder]))
    engine.search("bananas")  # the searcher and its connection exist
    holding, release = threading.Event(), threading.Event()

    def long_write() -> None:  # a batch being stored, a VACUUM: the writer's lock is held
        with engine.store.transaction() as db:
            db.execute("UPDATE files SET title = title")
            holding.set()
            release.wait(30)

    writer = threading.Thread(target=long_write)
    writer.start()
    try:
        assert holding.wait(10)
        answered: list[str] = []
        search = threading.Thread(
            target=lambda: answered.extend(Path(r.path).name for r in engine.search("bananas").results)
        )
        search.start()
        search.join(10)  # on the writer's connection this waited until the write ended
        assert not search.is_alive(), "the search waited behind the writer"
        assert answered[0] == "banana-bread.md"
    finally:
        release.set()
        writer.join()


def test_it_sees_each_commit_and_cannot_write(engine_factory, sample_folder: Path) -> None:
    engine = engine_factory()
    reads = SearchReads(engine.paths.database)
    try:
        assert reads.recent_files(None, 10) == []
        engine.index(engine.add_roots([sample_folder]))
        recent = reads.recent_files(None, 10)
        assert len(recent) == engine.store.status_counts()["indexed"]
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            reads.pragma("user_version = 99")
    finally:
        reads.close()


def test_keyword_reads_find_text_names_and_filters(engine_factory, sample_folder: Path) -> None:
    engine = engine_factory()
    engine.index(engine.add_roots([sample_folder]))
    reads = SearchReads(engine.paths.database)
    try:
        name_of = {h.file_id: Path(h.path).name for h in engine.store.chunk_hits(range(1, 10_000)).values()}
        chunk_hits = reads.fts_chunk_hits(quote("bananas"), 10)
        assert {name_of[file_id] for _, file_id, _ in chunk_hits} == {"banana-bread.md"}
        assert [name_of[f] for f, _ in reads.fts_name_hits(f"name : {quote('banana')}", 10)] == [
            "banana-bread.md"
        ]
        python_files = reads.filtered_files(parse_query("type:py"))
        assert python_files and {name_of[f] for f in python_files} == {
            n for n in name_of.values() if n.endswith(".py")
        }
        opening = reads.first_chunk(chunk_hits[0][1])
        assert opening is not None and reads.chunk_owners([opening]) == {opening: chunk_hits[0][1]}
    finally:
        reads.close()


def _plan(database: Path, sql: str, params: tuple[object, ...]) -> list[str]:
    with contextlib.closing(sqlite3.connect(database)) as db:
        return [row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {sql}", params)]


@pytest.mark.parametrize(
    ("make_sql", "params", "starts_from"),
    [
        (identical_chunks_sql, (MINILM_ID, *range(1, 101), 2000), "SEARCH a "),
        (vectors_for_hashes_sql, (MINILM_ID, *(f"h{i}" for i in range(100))), "SEARCH c "),
    ],
)
def test_reads_by_chunk_start_from_the_chunks_not_from_every_vector_of_the_model(
    engine_factory, sample_folder: Path, make_sql, params: tuple[object, ...], starts_from: str
) -> None:
    """``model_id = ?`` looks selective to SQLite without statistics, though every vector has
    it: a plan that starts there reads all vectors per search or batch (2.6 s at 100k chunks)."""
    engine = engine_factory()
    engine.index(engine.add_roots([sample_folder]))
    plan = _plan(engine.paths.database, make_sql(100), params)  # a search's 100 hits, a batch
    assert plan[0].startswith(starts_from), plan
    assert not any("vectors_model (model_id=?)" in step for step in plan), plan
