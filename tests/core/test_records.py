"""What the index database holds, as the core sees it (``core/records.py``): file states,
chunk hits and chunks to store, read back from a real SQLite store."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from desktop_search.core.chunk import Chunk
from desktop_search.core.records import (
    STATUS_ENCRYPTED,
    STATUS_FAILED,
    STATUS_INDEXED,
    STATUS_PENDING,
    STATUS_SKIPPED,
    ChunkHit,
    FileState,
    NewChunk,
)
from desktop_search.core.store import Store


def test_the_statuses_are_distinct() -> None:
    statuses = [STATUS_INDEXED, STATUS_FAILED, STATUS_SKIPPED, STATUS_PENDING, STATUS_ENCRYPTED]
    assert len(set(statuses)) == len(statuses)


@pytest.mark.parametrize("status", [STATUS_FAILED, STATUS_SKIPPED, STATUS_ENCRYPTED])
def test_a_file_state_is_what_was_recorded(tmp_path: Path, status: str) -> None:
    store = Store(tmp_path / "db.sqlite3")
    root = store.add_root("/r")
    store.record_file_status(root, "/r/x.pdf", (123, 456_789, 42), status, "why not", content_hash="abc")
    state = store.file_state("/r/x.pdf")
    assert isinstance(state, FileState)
    assert dataclasses.replace(state, id=0) == FileState(
        0, root, "/r/x.pdf", 123, 456_789, 42, "abc", status, "why not"
    )
    assert store.files_of_root(root) == {"/r/x.pdf": state}
    assert store.file_state("/r/other.pdf") is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        state.status = STATUS_INDEXED  # type: ignore[misc]


def test_new_chunks_come_back_as_hits_in_their_place(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    root = store.add_root("/r")
    vector = np.full(4, 0.5, dtype=np.float32)
    page_two = Chunk("Second page text.", 30, 47, 3, page=2)
    chunks = [
        NewChunk(Chunk("Title and first words.", 0, 22, 1), "text", vector),
        NewChunk(page_two, "text", None),  # to be embedded later
    ]
    ids, _ = store.replace_file_chunks(root, "/r/a.pdf", (1, 2, 3), "h", "A report", chunks, "m@1")
    hits = store.chunk_hits(ids)
    assert hits[ids[1]] == ChunkHit(ids[1], hits[ids[1]].file_id, "/r/a.pdf", "A report", "text",
                                    "Second page text.", 30, 47, 3, 2)  # fmt: skip
    assert hits[ids[0]].page is None and hits[ids[0]].file_id == hits[ids[1]].file_id
    state = store.file_state("/r/a.pdf")
    assert state is not None and (state.status, state.reason) == (STATUS_INDEXED, None)
    # A chunk stored without a vector is listed as missing one; the other is not.
    assert [(cid, text) for cid, text, _ in store.chunks_missing_vectors("m@1", 10)] == [
        (ids[1], "Second page text.")
    ]
    assert (
        store.vectors_for_hashes([chunks[0].chunk.content_hash], "m@1")[chunks[0].chunk.content_hash].tolist()
        == vector.tolist()
    )
