"""Scan rules: default and sensitive exclusions, globs, .gitignore, symlinks, special files."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from desktop_search.core.scan import IgnoreMatcher, ScanRules, scan_root


def _scan(root: Path, rules: ScanRules | None = None) -> set[str]:
    return {str(Path(s.path).relative_to(root)) for s in scan_root(root, rules or ScanRules())}


def _touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(name)


def test_default_exclusions_and_hidden_files(tmp_path: Path) -> None:
    _touch(tmp_path, "a.txt", ".hidden.txt", ".git/HEAD", "node_modules/x.js", "src/__pycache__/m.pyc",
           "build/out.txt", "notes/b.md", "x.swp", ".config/app.toml")  # fmt: skip
    assert _scan(tmp_path) == {"a.txt", "notes/b.md"}
    shown = _scan(tmp_path, ScanRules(index_hidden=True))
    assert shown == {"a.txt", "notes/b.md", ".hidden.txt", ".config/app.toml"}


def test_user_patterns_match_names_and_paths(tmp_path: Path) -> None:
    _touch(tmp_path, "keep.txt", "drop.log", "private/diary.txt", "work/private/plan.txt", "work/x.txt")
    rules = ScanRules(exclude_patterns=("*.log", "private", "work/x.txt"))
    assert _scan(tmp_path, rules) == {"keep.txt"}


def test_user_patterns_follow_gitignore_rules(tmp_path: Path) -> None:
    # Issue 22, bug 7: the box says "as in .gitignore, e.g. node_modules/", but the patterns
    # were fnmatch globs: "Finance/", "/Finance" and "sub/deep/" excluded nothing.
    _touch(tmp_path, "Finance/tax.txt", "work/Finance/budget.txt", "Taxes/Finance.txt", "sub/deep/a.txt",
           "sub/keep.txt", "other/sub/deep/b.txt", "logs/run.log", "notes.txt",
           "Archive/old.txt")  # fmt: skip
    assert _scan(tmp_path, ScanRules(exclude_patterns=("Finance/",))) == {
        "Taxes/Finance.txt", "sub/deep/a.txt", "sub/keep.txt", "other/sub/deep/b.txt", "logs/run.log",
        "notes.txt", "Archive/old.txt",
    }  # fmt: skip
    assert "work/Finance/budget.txt" in _scan(tmp_path, ScanRules(exclude_patterns=("/Finance",)))
    assert "Finance/tax.txt" not in _scan(tmp_path, ScanRules(exclude_patterns=("/Finance",)))
    deep = _scan(tmp_path, ScanRules(exclude_patterns=("sub/deep/",)))
    assert "sub/deep/a.txt" not in deep and "other/sub/deep/b.txt" in deep and "sub/keep.txt" in deep
    negated = _scan(tmp_path, ScanRules(exclude_patterns=("*.txt", "!notes.txt")))
    assert negated == {"notes.txt", "logs/run.log"}
    matcher = IgnoreMatcher(tmp_path, ScanRules(exclude_patterns=("Finance/",)))
    assert matcher.ignored(str(tmp_path / "work/Finance/budget.txt"), is_dir=False)  # the watcher's check


def test_gitignore_files_are_honoured_unless_turned_off(tmp_path: Path) -> None:
    _touch(tmp_path, "a.txt", "out/x.txt", "sub/generated.txt", "sub/keep.txt", "sub/deep/y.csv")
    (tmp_path / ".gitignore").write_text("out/\n*.csv\n")
    (tmp_path / "sub" / ".ignore").write_text("generated.txt\n")
    assert _scan(tmp_path) == {"a.txt", "sub/keep.txt"}
    assert _scan(tmp_path, ScanRules(honour_ignore_files=False)) == {
        "a.txt", "out/x.txt", "sub/generated.txt", "sub/keep.txt", "sub/deep/y.csv",
    }  # fmt: skip


def test_matcher_agrees_with_the_scan_for_single_paths(tmp_path: Path) -> None:
    _touch(tmp_path, "a.txt", "out/x.txt", "node_modules/m.js")
    (tmp_path / ".gitignore").write_text("out/\n")
    matcher = IgnoreMatcher(tmp_path, ScanRules())
    assert not matcher.ignored(str(tmp_path / "a.txt"), is_dir=False)
    assert matcher.ignored(str(tmp_path / "out" / "x.txt"), is_dir=False)
    assert matcher.ignored(str(tmp_path / "node_modules" / "m.js"), is_dir=False)
    assert matcher.ignored("/somewhere/else.txt", is_dir=False)


def test_sensitive_folders_are_never_scanned(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    _touch(tmp_path, ".ssh/id_rsa", ".config/google-chrome/Default/History", "docs/a.txt", ".aws/credentials")
    assert _scan(tmp_path, ScanRules(index_hidden=True)) == {"docs/a.txt"}


def test_symlinks_and_special_files_are_skipped(tmp_path: Path) -> None:
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("x")
    root = tmp_path / "root"
    _touch(root, "real.txt")
    (root / "dir-link").symlink_to(outside, target_is_directory=True)
    (root / "file-link.txt").symlink_to(outside / "secret.txt")
    (root / "loop").symlink_to(root, target_is_directory=True)
    os.mkfifo(root / "pipe.txt")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(root / "sock.txt"))
    try:
        assert _scan(root) == {"real.txt"}
    finally:
        server.close()


def test_scan_of_a_subfolder_keeps_the_root_rules(tmp_path: Path) -> None:
    _touch(tmp_path, "sub/a.txt", "sub/b.csv")
    (tmp_path / ".gitignore").write_text("*.csv\n")
    found = {Path(s.path).name for s in scan_root(tmp_path, ScanRules(), start=tmp_path / "sub")}
    assert found == {"a.txt"}
