"""Walk a root folder: which files exist now, with the stat fields that tell a change."""

from __future__ import annotations

import fnmatch
import logging
import os
import stat as stat_module
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

DEFAULT_EXCLUDED_DIRS = frozenset(
    """
    .git .hg .svn .bzr node_modules __pycache__ .venv venv .tox .nox .mypy_cache .pytest_cache
    .ruff_cache .cache .gradle .idea .terraform build dist target .next .nuxt bower_components
    site-packages .Trash .Trashes $RECYCLE.BIN .ssh .gnupg .password-store .local/share/keyrings
    Keychains .mozilla .thunderbird
    """.split()
)
DEFAULT_EXCLUDED_FILES = ("*.pyc", "*.o", "*.so", "*.dll", "*.class", "*.swp", "*~", ".DS_Store")


@dataclass(frozen=True)
class ScanRules:
    """What a scan skips."""

    index_hidden: bool = False
    exclude_patterns: tuple[str, ...] = field(default_factory=tuple)
    excluded_paths: frozenset[str] = frozenset()  # absolute folders never entered (the data dir)

    def skips_dir(self, name: str, path: str = "") -> bool:
        return (
            name in DEFAULT_EXCLUDED_DIRS
            or path in self.excluded_paths
            or (not self.index_hidden and name.startswith("."))
            or any(fnmatch.fnmatch(name, p) for p in self.exclude_patterns)
        )

    def skips_file(self, name: str) -> bool:
        return (
            (not self.index_hidden and name.startswith("."))
            or any(fnmatch.fnmatch(name, p) for p in DEFAULT_EXCLUDED_FILES)
            or any(fnmatch.fnmatch(name, p) for p in self.exclude_patterns)
        )


@dataclass(frozen=True)
class SeenFile:
    """A regular file found by a scan."""

    path: str
    size: int
    mtime_ns: int
    inode: int

    @property
    def stat_key(self) -> tuple[int, int, int]:
        return (self.size, self.mtime_ns, self.inode)


def scan_root(
    root: Path, rules: ScanRules, should_cancel: Callable[[], bool] = lambda: False
) -> Iterator[SeenFile]:
    """Regular files under ``root``; symlinks are not followed, unreadable folders logged."""

    def on_error(error: OSError) -> None:
        log.warning("Cannot read folder %s: %s", error.filename, error.strerror)

    for folder, dirs, files in os.walk(root, onerror=on_error, followlinks=False):
        if should_cancel():
            return
        dirs[:] = sorted(d for d in dirs if not rules.skips_dir(d, os.path.join(folder, d)))
        for name in sorted(files):
            if rules.skips_file(name):
                continue
            path = os.path.join(folder, name)
            if not _storable(path):
                log.warning("Skipping a file whose name is not valid Unicode in %s", folder)
                continue
            try:
                info = os.lstat(path)
            except OSError:
                continue  # vanished between listing and stat
            if not stat_module.S_ISREG(info.st_mode):
                continue  # symlinks, FIFOs, sockets, devices
            yield SeenFile(path, info.st_size, info.st_mtime_ns, info.st_ino)


def _storable(path: str) -> bool:
    """Names with undecodable bytes (surrogate escapes) cannot be stored as text."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
