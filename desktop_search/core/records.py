"""What the index database holds, as the rest of the core sees it: file states, chunks found
by a search, chunks to store, and the file statuses."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from desktop_search.core.chunk import Chunk

STATUS_INDEXED, STATUS_FAILED, STATUS_SKIPPED = "indexed", "failed", "skipped"
STATUS_PENDING, STATUS_ENCRYPTED = "pending", "encrypted"

Vector = npt.NDArray[np.float32]


@dataclass(frozen=True)
class FileState:
    """What the database knows about one file."""

    id: int
    root_id: int
    path: str
    size: int
    mtime_ns: int
    inode: int
    content_hash: str | None
    status: str
    reason: str | None


@dataclass(frozen=True)
class ChunkHit:
    """A chunk with its file, as the search needs it."""

    chunk_id: int
    file_id: int
    path: str
    title: str | None
    kind: str
    text: str
    start: int
    end: int
    line: int | None
    page: int | None


@dataclass(frozen=True)
class NewChunk:
    """A chunk to store, with its vector (or None when it is still to be embedded)."""

    chunk: Chunk
    kind: str
    vector: Vector | None
