"""Which files under a root should be indexed, and a walk that lists them with their stat.

Rules, in order: default excluded folders (VCS, dependency and build dirs, caches, trash),
sensitive places (SSH/GPG keys, keychains, browser profiles, password stores), hidden
files (optional), the user's patterns (gitignore rules, as if in a ``.gitignore`` at each root), and
``.gitignore``/``.ignore`` files (optional). Symlinks are never followed, so a walk cannot
leave its root or loop; folders reached twice (bind mounts) are skipped.
"""

from __future__ import annotations

import fnmatch
import functools
import logging
import os
import stat as stat_module
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pathspec

from desktop_search.core.progress import ShouldCancel, never_cancel

log = logging.getLogger(__name__)

DEFAULT_EXCLUDED_DIRS = frozenset(
    """
    .git .hg .svn .bzr _darcs node_modules bower_components __pycache__ .venv venv .tox .nox
    .mypy_cache .pytest_cache .ruff_cache .cache .gradle .idea .terraform .next .nuxt build dist
    target site-packages .Trash .Trashes .Trash-1000 $RECYCLE.BIN .ssh .gnupg .password-store
    Keychains .mozilla .thunderbird
    """.split()
)
DEFAULT_EXCLUDED_FILES = ("*.pyc", "*.o", "*.so", "*.dll", "*.class", "*.swp", "*~", ".DS_Store", "*.tmp")
# Places that hold secrets: never indexed, even with hidden files on or a root above them.
SENSITIVE_HOME_PATHS = (
    ".ssh", ".gnupg", ".password-store", ".local/share/keyrings", "Library/Keychains",
    ".mozilla", ".thunderbird", ".config/google-chrome", ".config/chromium",
    ".config/BraveSoftware", ".config/microsoft-edge", "Library/Application Support/Google/Chrome",
    "Library/Application Support/Firefox", "AppData/Local/Google/Chrome",
    "AppData/Roaming/Mozilla", ".aws", ".kube", ".docker",
)  # fmt: skip
IGNORE_FILES = (".gitignore", ".ignore")


def sensitive_paths(home: Path | None = None) -> frozenset[str]:
    base = home or Path.home()
    return frozenset(str(base / p) for p in SENSITIVE_HOME_PATHS)


@dataclass(frozen=True)
class ScanRules:
    """What a scan (and the watcher) skips."""

    index_hidden: bool = False
    exclude_patterns: tuple[str, ...] = field(default_factory=tuple)
    excluded_paths: frozenset[str] = frozenset()  # absolute folders never entered (the data dir)
    honour_ignore_files: bool = True

    def skips_name(self, name: str, is_dir: bool) -> bool:
        if not self.index_hidden and name.startswith("."):
            return True
        if is_dir:
            return name in DEFAULT_EXCLUDED_DIRS
        return any(fnmatch.fnmatch(name, p) for p in DEFAULT_EXCLUDED_FILES)

    @functools.cached_property
    def _user_spec(self) -> pathspec.GitIgnoreSpec:
        return pathspec.GitIgnoreSpec.from_lines(self.exclude_patterns)

    def skips_user_pattern(self, relative: str, is_dir: bool) -> bool:
        """Whether the user's patterns exclude this path under the root, read as a
        ``.gitignore`` at the root reads them: "Finance/" any folder so named, "/Finance" the
        one at the top, "sub/deep/" that folder, "*.log" files anywhere."""
        return self._user_spec.match_file(relative + ("/" if is_dir else ""))


class IgnoreMatcher:
    """Answers "is this path excluded?" for one root, caching ``.gitignore`` files per folder."""

    def __init__(self, root: Path, rules: ScanRules, snapshot: bool = False) -> None:
        """``snapshot``: read each ignore file once (a scan); else re-check their mtimes."""
        self.root = root
        self._root_str = str(root)
        self.rules = rules
        self.snapshot = snapshot
        self._blocked = rules.excluded_paths | sensitive_paths()
        self._specs: dict[str, tuple[float, pathspec.GitIgnoreSpec | None]] = {}

    def _spec_for(self, folder: str) -> pathspec.GitIgnoreSpec | None:
        if self.snapshot and folder in self._specs:
            return self._specs[folder][1]
        lines: list[str] = []
        newest = 0.0
        for name in IGNORE_FILES:
            try:
                info = os.stat(os.path.join(folder, name))
                newest = max(newest, info.st_mtime)
            except OSError:
                continue
        cached = self._specs.get(folder)
        if cached is not None and cached[0] == newest:
            return cached[1]
        for name in IGNORE_FILES:
            try:
                with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as handle:
                    lines += handle.read(1 << 20).splitlines()
            except OSError:
                continue
        spec = pathspec.GitIgnoreSpec.from_lines(lines) if lines else None
        self._specs[folder] = (newest, spec)
        return spec

    def ignored(self, path: str, is_dir: bool) -> bool:
        """Whether ``path`` (under the root) is excluded by any rule, itself or by a parent."""
        try:
            relative = PurePosixPath(Path(path).relative_to(self.root).as_posix())
        except ValueError:
            return True  # outside the root
        parent = self._root_str
        for depth, name in enumerate(relative.parts):
            last = depth == len(relative.parts) - 1
            if self.entry_ignored(parent, name, is_dir if last else True):
                return True
            parent = os.path.join(parent, name)
        return False

    def entry_ignored(self, parent: str, name: str, is_dir: bool) -> bool:
        """Whether ``name`` inside ``parent`` is excluded, given that ``parent`` itself is not."""
        current = os.path.join(parent, name)
        if current in self._blocked or self.rules.skips_name(name, is_dir):
            return True
        if self.rules.exclude_patterns:
            relative = current[len(self._root_str) :].replace(os.sep, "/").lstrip("/")
            if self.rules.skips_user_pattern(relative, is_dir):
                return True
        return self.rules.honour_ignore_files and self._ignored_by_files(parent, current, is_dir)

    def _ignored_by_files(self, parent: str, current: str, is_dir: bool) -> bool:
        folder = parent
        while True:
            spec = self._spec_for(folder)
            if spec is not None:
                relative = Path(current).relative_to(folder).as_posix() + ("/" if is_dir else "")
                if spec.match_file(relative):
                    return True
            if len(folder) <= len(self._root_str):
                return False
            folder = os.path.dirname(folder)


@dataclass(frozen=True)
class SeenFile:
    """A regular file found by a scan: its path as stored, and as the OS opens it."""

    path: str
    size: int
    mtime_ns: int
    inode: int
    os_path: str = ""

    @property
    def open_path(self) -> str:
        return self.os_path or self.path

    @property
    def stat_key(self) -> tuple[int, int, int]:
        return (self.size, self.mtime_ns, self.inode)


# Bytes of a file name that are not UTF-8 reach Python as lone surrogates (PEP 383), which
# SQLite text cannot hold: the index stores them as private-use characters instead.
_TO_STORED = {0xDC80 + byte: 0xF780 + byte for byte in range(128)}
_TO_OS = {stored: escaped for escaped, stored in _TO_STORED.items()}


def stored_path(path: str) -> str:
    """A file system path as the index stores it (valid UTF-8 text)."""
    if path.isascii():
        return path
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return path.translate(_TO_STORED)
    return path


def os_paths(path: str) -> list[str]:
    """The paths a stored path may name on disk: its undecodable bytes restored, and (a real
    name can contain those private-use characters too) the text as it is."""
    if path.isascii():
        return [path]
    restored = path.translate(_TO_OS)
    return [restored, path] if restored != path else [path]


def stat_file(path: str) -> SeenFile | None:
    """The stat of a regular file (not following symlinks), or None; ``path`` as stored."""
    for candidate in os_paths(path):
        try:
            info = os.lstat(candidate)
        except (OSError, ValueError):
            continue
        if not stat_module.S_ISREG(info.st_mode):
            return None  # symlinks, FIFOs, sockets, devices
        return SeenFile(
            path, info.st_size, info.st_mtime_ns, info.st_ino, "" if candidate == path else candidate
        )
    return None


def scan_root(
    root: Path,
    rules: ScanRules,
    should_cancel: ShouldCancel = never_cancel,
    start: Path | None = None,
) -> Iterator[SeenFile]:
    """Regular files under ``root`` (or only its subfolder ``start``) that the rules allow;
    unreadable folders are logged."""
    matcher = IgnoreMatcher(root, rules, snapshot=True)
    if start is not None and start != root and matcher.ignored(str(start), is_dir=True):
        return
    visited: set[tuple[int, int]] = set()

    def on_error(error: OSError) -> None:
        log.warning("Cannot read folder %s: %s", error.filename, error.strerror)

    for folder, dirs, files in os.walk(start or root, onerror=on_error, followlinks=False):
        if should_cancel():
            return
        try:
            info = os.stat(folder)
        except OSError:
            dirs[:] = []
            continue
        if (info.st_dev, info.st_ino) in visited:
            dirs[:] = []
            continue
        visited.add((info.st_dev, info.st_ino))
        dirs[:] = sorted(d for d in dirs if not matcher.entry_ignored(folder, d, is_dir=True))
        for name in sorted(files):
            path = os.path.join(folder, name)
            if matcher.entry_ignored(folder, name, is_dir=False):
                continue
            seen = stat_file(stored_path(path))
            if seen is not None:
                yield seen
