"""Settings: defaults in one place, JSON round trip, bad files never stop the app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_search.core.settings import Settings, load_settings, save_settings


def test_round_trip(tmp_path: Path) -> None:
    settings = Settings(model="all-MiniLM-L6-v2", provider="cpu", threads=3, exclude_patterns=("*.log",))
    save_settings(tmp_path / "settings.json", settings)
    assert load_settings(tmp_path / "settings.json") == settings
    assert (tmp_path / "settings.json").stat().st_mode & 0o777 == 0o600


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    assert load_settings(tmp_path / "none.json") == Settings()
    assert Settings().model == "bge-small-en-v1.5"


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", '{"provider": "tpu"}', '{"threads": -1}'])
def test_bad_files_give_defaults(tmp_path: Path, content: str) -> None:
    (tmp_path / "s.json").write_text(content)
    assert load_settings(tmp_path / "s.json") == Settings()


def test_unknown_keys_are_ignored(tmp_path: Path) -> None:
    (tmp_path / "s.json").write_text(json.dumps({"threads": 2, "from_the_future": True}))
    assert load_settings(tmp_path / "s.json") == Settings(threads=2)


def test_one_bad_value_falls_back_alone_and_is_named(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Issue 22, bug 8: provider "tpu" reset every setting (model, threads, exclusions) to defaults.
    path = tmp_path / "settings.json"
    stored = {"model": "all-MiniLM-L6-v2", "provider": "tpu", "threads": 3, "max_file_size_mb": "big",
              "index_hidden_files": 1, "exclude_patterns": ["*.log", "build/"]}  # fmt: skip
    path.write_text(json.dumps(stored), encoding="utf-8")
    with caplog.at_level("WARNING"):
        settings = load_settings(path)
    assert settings == Settings(model="all-MiniLM-L6-v2", threads=3, exclude_patterns=("*.log", "build/"))
    warned = " ".join(r.getMessage() for r in caplog.records)
    assert (
        "provider='tpu'" in warned and "max_file_size_mb='big'" in warned and "index_hidden_files=1" in warned
    )
