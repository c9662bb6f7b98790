"""``desktop-search --self-test`` (``desktop_search/self_test.py``): index a temporary folder
and search it, touching nothing of the user's."""

from __future__ import annotations

import tempfile
from pathlib import Path

from desktop_search.core.paths import AppPaths
from tests.conftest import run_cli


def test_self_test_indexes_and_searches_without_touching_the_users_index(app_paths: AppPaths) -> None:
    out = run_cli("--self-test", data_dir=app_paths.data_dir)
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    assert lines[-1] == "self-test passed"
    assert any("-> banana-bread.txt" in line for line in lines)
    assert any(line.startswith("indexed 3 of 3 files") for line in lines)
    assert not app_paths.database.exists()  # the user's profile has no index made by it
    assert [p.name for p in app_paths.models_dir.iterdir()] == ["all-MiniLM-L6-v2"]


def test_self_test_fails_clearly_when_the_answer_is_wrong(app_paths: AppPaths, monkeypatch) -> None:
    from desktop_search import self_test

    monkeypatch.setattr(self_test, "EXPECTED", "garden.html")  # a wrong expectation must fail
    said: list[str] = []
    assert self_test.run_self_test(app_paths, said.append) == 1
    assert said[-1] == "self-test FAILED: expected garden.html first"


def test_self_test_cleans_up_and_leaves_the_users_models_in_place(
    app_paths: AppPaths, monkeypatch, tmp_path: Path
) -> None:
    from desktop_search import self_test

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where its temporary folder goes
    models_before = sorted(p.name for p in app_paths.models_dir.iterdir())
    said: list[str] = []
    assert self_test.run_self_test(app_paths, said.append) == 0
    assert said[0].startswith("model: all-MiniLM-L6-v2 (") and said[-1] == "self-test passed"
    assert list(scratch.iterdir()) == []  # its documents and index are gone
    assert sorted(p.name for p in app_paths.models_dir.iterdir()) == models_before  # linked, not moved
    assert not app_paths.database.exists()
