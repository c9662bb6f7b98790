"""First run: the suggested folders, the folder list and its file estimate, the model panel,
and starting or putting it off."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel

from desktop_search.core.model.provision import ModelLocations
from desktop_search.core.model.registry import BGE_SMALL
from desktop_search.core.scan import ScanRules
from desktop_search.ui.first_run import FirstRunDialog, suggested_folders
from desktop_search.ui.model_download import ModelDownload, ModelPanel


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


def test_first_run_shows_the_model_panel(qtbot, tmp_path: Path) -> None:
    locations = ModelLocations(bundled_dir=tmp_path / "none", user_dir=tmp_path / "models")
    panel = ModelPanel(ModelDownload(locations), BGE_SMALL.name, lambda _name: False)
    dialog = FirstRunDialog(ScanRules(), panel, [])
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.model_status is panel and panel.isVisible()
    assert panel.download_button.isVisibleTo(panel)
    dialog.reject()


def test_start_indexing_accepts_with_the_chosen_folders_and_later_puts_it_off(
    qtbot, sample_folder: Path, tmp_path: Path
) -> None:
    dialog = FirstRunDialog(ScanRules(), QLabel("Model: test"), [sample_folder])
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.accepted, timeout=5_000):
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted and dialog.folders() == [sample_folder]

    later = FirstRunDialog(ScanRules(), QLabel("Model: test"), [])
    qtbot.addWidget(later)
    later.show()
    assert not later.start_button.isEnabled()  # nothing to index yet
    (put_off,) = [button for button in later.buttons.buttons() if button.text() == "Later"]
    with qtbot.waitSignal(later.rejected, timeout=5_000):
        qtbot.mouseClick(put_off, Qt.MouseButton.LeftButton)
    assert later.result() == QDialog.DialogCode.Rejected
