"""Settings: the dialog edits a copy of the settings and reports the folder changes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6.QtCore import Qt

from desktop_search.core.settings import Settings
from desktop_search.ui.settings_dialog import SettingsDialog


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


def test_a_model_the_list_does_not_know_is_kept_and_ok_accepts(qtbot, tmp_path: Path) -> None:
    """Settings written by a newer version may name a model this one does not list."""
    original = Settings(model="some-future-model", threads=1, index_hidden_files=True)
    dialog = SettingsDialog(original, [tmp_path], "some-future-model on CPU", start_at_login=True)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.model.currentText() == "some-future-model"
    assert dialog.threads.value() == 1 and dialog.hidden.isChecked() and dialog.start_at_login.isChecked()
    assert dialog.settings() == original and dialog.folder_changes() == ([], [])
    with qtbot.waitSignal(dialog.accepted, timeout=5_000):
        qtbot.keyClick(dialog, Qt.Key.Key_Return)  # OK is the default button
