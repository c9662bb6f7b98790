"""What ``Engine.status()`` reports, typed: read by attribute in the CLI and the app, and
written by ``Status.to_json`` alone for ``status --json`` (one serializer, one schema)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ModelStatus:
    """The model the index's vectors are from, and the one new vectors are made with."""

    name: str
    id: str
    source: str
    variant: str
    cpu_variant_reason: str | None
    origin: str  # "bundled" | "user" | ...
    preferred: str  # the settings' model name
    preferred_id: str
    preferred_variant: str
    fallback_reason: str | None  # why the offline model is in use
    reembed_needed: bool  # the index is not (yet) from the preferred model


@dataclass(frozen=True)
class ProviderStatus:
    """Where the model runs."""

    requested: str
    active: str
    fallback_reason: str | None
    threads: int


@dataclass(frozen=True)
class IndexStatus:
    """The vectors in SQLite and the health of the ANN cache built from them."""

    vectors: dict[str, int]  # model id -> vectors stored
    ann_live: int
    ann_deleted: int
    ann_loaded_from_disk: bool
    ann_rebuild_reason: str | None
    healthy: bool


@dataclass(frozen=True)
class WatchStatus:
    """A running ``watch`` or app: its pid and how it keeps each root fresh."""

    pid: int
    roots: dict[str, str]  # root -> "watching" | "polling: why"


@dataclass(frozen=True)
class Status:
    """Folders, files, the model and provider in use, index health, problems, live indexer."""

    data_dir: str
    roots: list[str]
    files: dict[str, int]  # status -> files
    chunks: int
    model: ModelStatus
    provider: ProviderStatus
    index: IndexStatus
    not_indexed: dict[str, int]  # kind -> files (core.problems)
    partly_indexed: dict[str, int]
    watch: WatchStatus | None
    pending: int
    recovery: dict[str, object] | None  # what a recovery at open did (its "message" says it)

    def to_json(self) -> dict[str, Any]:
        """The ``status --json`` object."""
        return dataclasses.asdict(self)
