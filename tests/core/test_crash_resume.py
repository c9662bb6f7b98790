"""SIGKILL during an initial crawl, restart: the index converges to exactly the folder."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bench.crash_resume import crash_and_resume, snapshot, status, write_corpus
from desktop_search.core.paths import AppPaths
from tests.conftest import run_cli


@pytest.mark.slow
def test_killed_crawls_converge_to_a_clean_index(app_paths: AppPaths, tmp_path: Path, offline_model) -> None:
    from tests.conftest import install_model

    folder = tmp_path / "corpus"
    write_corpus(folder, 160)
    clean = AppPaths(tmp_path / "clean")
    clean.ensure()
    install_model(clean, offline_model)
    (clean.settings_file).write_text(app_paths.settings_file.read_text())
    assert run_cli("index", str(folder), data_dir=clean.data_dir).returncode == 0

    delays = crash_and_resume(
        folder, app_paths.data_dir, kills=3, rng=random.Random(7), max_delay=0.5, mid_crawl=True
    )
    assert len(delays) >= 2  # runs really killed mid-crawl (not already finished)
    expected, got = snapshot(clean.data_dir), snapshot(app_paths.data_dir)
    assert got.files == expected.files and len(got.files) == 160
    assert got.chunks == expected.chunks
    assert got.duplicate_chunks == 0 and got.vectors == got.chunks and got.pending == 0
    health = status(app_paths.data_dir)["index"]
    assert health["healthy"] and health["ann_live"] == got.chunks  # type: ignore[index]
