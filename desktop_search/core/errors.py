"""Errors a user can act on. The CLI prints their message as one line, without a traceback."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path


class UserError(Exception):
    """Something the user can fix: a missing path, no model, a locked data dir."""


class ModelUnavailableError(UserError):
    """No embedding model could be found or prepared."""


class DownloadCancelledError(Exception):
    """The user stopped a model download; what was fetched is kept, so a retry resumes it."""


class DataDirLockedError(UserError):
    """Another process holds the writer lock on the data dir."""


class CorruptDatabaseError(UserError):
    """The index database is damaged (SQLite reports a malformed or foreign file)."""


class ExtractorsUnavailableError(UserError):
    """The worker processes that read files die before reading any: the files are not to blame."""


class StorageError(UserError):
    """The data dir's disk is full, read-only or failing; what was saved before is intact."""


def storage_problem(exc: BaseException, path: Path) -> str | None:
    """A message a person can act on when the disk is full, read-only or failing; else None."""
    text = str(exc).lower()
    errno_value = getattr(exc, "errno", None)
    if "disk is full" in text or errno_value in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        what = "is full"
    elif "readonly" in text or "read-only" in text or errno_value == errno.EROFS:
        what = "is read-only"
    elif "disk i/o error" in text or errno_value == errno.EIO:
        what = "could not be written (disk full or failing?)"
    else:
        return None
    return (
        f"The disk holding the index ({path.parent}) {what}. Nothing was lost: the index keeps what "
        "was saved before. Free some space (or fix the disk) and indexing continues where it stopped."
    )


def is_corruption(exc: sqlite3.DatabaseError) -> bool:
    """Whether SQLite says the file is damaged (as opposed to locked, full or read-only)."""
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text or "corrupt" in text
