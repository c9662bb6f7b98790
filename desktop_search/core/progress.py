"""The core's one protocol for long work: ``progress(Progress)`` and ``should_cancel()``.

Every long core operation (indexing, re-embedding, rebuilding the vector index, embedding,
downloading a model) takes ``progress: ProgressCallback | None`` and
``should_cancel: ShouldCancel``. Both are plain callables, never Qt signals, so the CLI, the UI
and tests drive them alike. The progress callback only reports: it runs on the worker's thread,
must return quickly and must not call back into the operation that reports.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Unit = Literal["files", "passages", "bytes", "vectors"]


@dataclass(frozen=True)
class Progress:
    """How far one phase of a long operation is: ``done`` of ``total`` ``unit`` (total 0 when
    not known yet, e.g. while scanning)."""

    phase: str
    done: int
    total: int
    unit: Unit = "files"

    @property
    def fraction(self) -> float | None:
        """0..1, or None when the total is not known."""
        return min(1.0, self.done / self.total) if self.total > 0 else None


ProgressCallback = Callable[[Progress], None]
ShouldCancel = Callable[[], bool]


def never_cancel() -> bool:
    """The default ``should_cancel``: run to the end."""
    return False
