"""Errors a user can act on. The CLI prints their message as one line, without a traceback."""


class UserError(Exception):
    """Something the user can fix: a missing path, no model, a locked data dir."""


class ModelUnavailableError(UserError):
    """No embedding model could be found or prepared."""


class DataDirLockedError(UserError):
    """Another process holds the writer lock on the data dir."""


class CorruptDatabaseError(UserError):
    """The index database is damaged (SQLite reports a malformed or foreign file)."""


class StorageError(UserError):
    """The data dir's disk is full, read-only or failing; what was saved before is intact."""
