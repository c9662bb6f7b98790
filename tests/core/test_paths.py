"""Where a profile keeps its state (``core/paths.py``), resolved once."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from desktop_search.core.paths import ENV_HOME, AppPaths, bundled_resources_dir, resolve_paths


def test_data_dir_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_HOME, str(tmp_path / "env"))
    assert resolve_paths().data_dir == tmp_path / "env"
    assert resolve_paths(tmp_path / "arg").data_dir == tmp_path / "arg"  # the argument wins
    monkeypatch.delenv(ENV_HOME)
    assert resolve_paths().data_dir.name == "desktop-search"


def test_data_dir_is_private(tmp_path: Path) -> None:
    paths = resolve_paths(tmp_path / "d")
    paths.ensure()
    for folder in (paths.data_dir, paths.ann_dir, paths.models_dir):
        assert folder.stat().st_mode & 0o777 == 0o700


def test_everything_of_a_profile_is_inside_its_data_dir(tmp_path: Path) -> None:
    paths = AppPaths(tmp_path / "profile")
    places = [paths.settings_file, paths.database, paths.ann_dir, paths.models_dir, paths.log_file,
              paths.lock_file]  # fmt: skip
    assert all(paths.data_dir in place.parents for place in places)
    assert len(set(places)) == len(places)
    paths.ensure()
    assert paths.ann_dir.is_dir() and paths.models_dir.is_dir() and paths.log_file.parent.is_dir()
    paths.ensure()  # a second start finds them there


def test_a_relative_or_home_data_dir_becomes_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert resolve_paths("profile").data_dir == tmp_path.resolve() / "profile"
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("USERPROFILE", str(tmp_path / "home"))
    assert resolve_paths("~/search").data_dir == (tmp_path / "home").resolve() / "search"
    monkeypatch.setenv(ENV_HOME, "")  # set but empty: as if unset
    assert resolve_paths().data_dir.name == "desktop-search"


def test_resources_are_found_next_to_the_package_in_a_checkout() -> None:
    resources = bundled_resources_dir()
    assert (resources / "desktop-search.desktop").is_file() and (resources / "icons").is_dir()


def test_a_bundles_resources_are_inside_the_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path / "bundle"), raising=False)  # as PyInstaller sets it
    assert bundled_resources_dir() == tmp_path / "bundle" / "resources"
