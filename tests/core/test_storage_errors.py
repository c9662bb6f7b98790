"""A full or read-only disk under the data dir: a clear error, and the index stays intact."""

from __future__ import annotations

import os
import random
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_search.core.paths import AppPaths
from tests.conftest import run_cli

WORDS = "alpha beta gamma delta ship river engine cloud paper stone".split()


def _write_folder(folder: Path, files: int, seed: int) -> None:
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    for number in range(files):
        words = (f"{rng.choice(WORDS)}{rng.randint(0, 99999)}" for _ in range(400))
        (folder / f"f{number}.txt").write_text(" ".join(words))


def _cli_with_file_size_limit(data_dir: Path, limit: int, *args: str) -> subprocess.CompletedProcess[str]:
    def limit_writes() -> None:  # writes past the limit fail with EFBIG, as on a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        [sys.executable, "-m", "desktop_search", "--data-dir", str(data_dir), *args],
        preexec_fn=limit_writes, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_disk_full_while_indexing_is_a_clear_error_and_loses_nothing(
    app_paths: AppPaths, tmp_path: Path
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    _write_folder(first, 2, seed=1)
    _write_folder(second, 60, seed=2)
    assert run_cli("index", str(first), data_dir=app_paths.data_dir).returncode == 0
    size = app_paths.database.stat().st_size
    full = _cli_with_file_size_limit(app_paths.data_dir, size + 100_000, "index", str(second))
    assert full.returncode == 1
    assert "Traceback" not in full.stderr
    assert "The disk holding the index" in full.stderr and "Nothing was lost" in full.stderr
    # What was indexed before is intact and searchable; indexing resumes once there is room.
    status = run_cli("status", data_dir=app_paths.data_dir)
    assert status.returncode == 0, status.stderr
    found = run_cli("search", "--json", (first / "f0.txt").read_text()[:60], data_dir=app_paths.data_dir)
    assert '"f0.txt"' in found.stdout or "/f0.txt" in found.stdout
    resumed = run_cli("index", data_dir=app_paths.data_dir)
    assert resumed.returncode == 0, resumed.stderr
    assert "Indexed" in resumed.stdout


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root ignores permissions")
def test_read_only_data_dir_is_a_clear_error(app_paths: AppPaths, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    _write_folder(folder, 2, seed=3)
    assert run_cli("index", str(folder), data_dir=app_paths.data_dir).returncode == 0
    (folder / "new.txt").write_text("a new file about rivers")
    for path in [app_paths.data_dir, *app_paths.data_dir.iterdir()]:
        path.chmod(0o500 if path.is_dir() else 0o400)
    try:
        result = run_cli("index", data_dir=app_paths.data_dir)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert run_cli("search", "rivers", data_dir=app_paths.data_dir).returncode == 0
    finally:
        for path in [app_paths.data_dir, *app_paths.data_dir.iterdir()]:
            path.chmod(0o700 if path.is_dir() else 0o600)
