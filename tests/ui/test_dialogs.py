"""First run and Settings: the folder list, the file estimate, the edited settings."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6.QtWidgets import QLabel

from desktop_search.core.scan import ScanRules
from desktop_search.core.settings import Settings
from desktop_search.ui.first_run import FirstRunDialog, suggested_folders
from desktop_search.ui.settings_dialog import SettingsDialog


def test_first_run_counts_readable_files_and_follows_the_folder_list(
    qtbot, sample_folder: Path, tmp_path: Path
) -> None:
    (sample_folder / "photo.raw").write_bytes(b"\0" * 10)  # not readable: not counted
    empty = tmp_path / "empty"
    empty.mkdir()
    dialog = FirstRunDialog(ScanRules(), QLabel("Model: test"), [sample_folder, sample_folder])
    qtbot.addWidget(dialog)
    assert dialog.folders() == [sample_folder]  # suggested twice, listed once
    qtbot.waitUntil(lambda: dialog.estimate.text() == "about 4 files to read", timeout=10_000)
    dialog.folder_list.add_folder(empty)
    dialog.folder_list.add_folder(empty)
    assert dialog.folders() == [sample_folder, empty]
    dialog.folder_list.list.selectAll()
    dialog.folder_list.remove_selected()
    assert dialog.folders() == [] and not dialog.start_button.isEnabled()
    assert dialog.estimate.text() == "Add at least one folder."
    dialog.folder_list.add_folder(empty)
    qtbot.waitUntil(lambda: dialog.estimate.text() == "No readable files found there yet.", timeout=10_000)
    assert dialog.start_button.isEnabled()
    (empty / "one.txt").write_text("A single note.")  # issue 22, bug 10: "about 1 files to read"
    dialog.folder_list.list.selectAll()
    dialog.folder_list.remove_selected()
    dialog.folder_list.add_folder(empty)
    qtbot.waitUntil(lambda: dialog.estimate.text() == "about 1 file to read", timeout=10_000)
    dialog.reject()


def test_suggested_folders_are_documents_and_desktop_that_exist(tmp_path: Path) -> None:
    (tmp_path / "Documents").mkdir()
    assert suggested_folders(tmp_path) == [tmp_path / "Documents"]
    (tmp_path / "Desktop").mkdir()
    assert suggested_folders(tmp_path) == [tmp_path / "Documents", tmp_path / "Desktop"]


def test_settings_dialog_edits_a_copy_and_reports_folder_changes(qtbot, tmp_path: Path) -> None:
    kept, dropped, added = tmp_path / "kept", tmp_path / "dropped", tmp_path / "added"
    original = Settings(model="all-MiniLM-L6-v2", threads=2)
    dialog = SettingsDialog(original, [kept, dropped], "all-MiniLM-L6-v2 (int8) on CPU", False)
    qtbot.addWidget(dialog)
    assert dialog.settings() == original  # nothing touched: nothing changes
    assert dialog.in_use.text() == "all-MiniLM-L6-v2 (int8) on CPU"
    dialog.folder_list.list.item(1).setSelected(True)
    dialog.folder_list.remove_selected()
    dialog.folder_list.add_folder(added)
    assert dialog.folder_changes() == ([added], [dropped])
    dialog.exclusions.setPlainText("*.log\n\n  node_modules/  \n")
    dialog.max_size.setValue(5)
    dialog.provider.setCurrentIndex(dialog.provider.findData("cpu"))
    dialog.precision.setCurrentIndex(dialog.precision.findData("fp32"))
    dialog.hidden.setChecked(True)
    assert dialog.settings() == dataclasses.replace(
        original, exclude_patterns=("*.log", "node_modules/"), max_file_size_mb=5.0, provider="cpu",
        precision="fp32", index_hidden_files=True,
    )  # fmt: skip
    assert original.provider == "auto"  # the dialog edited a copy
