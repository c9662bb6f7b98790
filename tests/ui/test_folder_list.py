"""The folder list of first run and Settings: each folder once, in the order added; Add…
asks the platform's folder chooser; Remove takes the selected ones; ``changed`` after each."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QPushButton

from desktop_search.ui.folder_list import FolderList


def _button(folder_list: FolderList, text: str) -> QPushButton:
    (button,) = [b for b in folder_list.findChildren(QPushButton) if b.text() == text]
    return button


@pytest.fixture
def chooser(monkeypatch) -> list[str]:
    """A stub folder chooser (no native dialog offscreen): it answers the next path in the
    list, "" (the user cancelled) when there is none."""
    answers: list[str] = []
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *_args: answers.pop(0) if answers else "")
    return answers


def test_each_folder_is_listed_once_in_the_order_given(qtbot, tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    folder_list = FolderList([b, a, b])
    qtbot.addWidget(folder_list)
    assert folder_list.folders() == [b, a]
    with qtbot.assertNotEmitted(folder_list.changed):
        folder_list.add_folder(a)  # already there
    assert folder_list.folders() == [b, a]


def test_add_asks_for_a_folder_and_a_cancelled_choice_adds_nothing(
    qtbot, tmp_path: Path, chooser: list[str]
) -> None:
    folder_list = FolderList([])
    qtbot.addWidget(folder_list)
    folder_list.show()
    chooser.append(str(tmp_path / "notes"))
    with qtbot.waitSignal(folder_list.changed, timeout=1_000):
        qtbot.mouseClick(_button(folder_list, "Add folder…"), Qt.MouseButton.LeftButton)
    assert folder_list.folders() == [tmp_path / "notes"]
    with qtbot.assertNotEmitted(folder_list.changed):
        qtbot.mouseClick(_button(folder_list, "Add folder…"), Qt.MouseButton.LeftButton)  # cancelled
    assert folder_list.folders() == [tmp_path / "notes"]


def test_remove_takes_the_clicked_folders_and_nothing_when_none_is_selected(qtbot, tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    folder_list = FolderList([a, b, c])
    qtbot.addWidget(folder_list)
    folder_list.show()
    remove = _button(folder_list, "Remove")
    with qtbot.assertNotEmitted(folder_list.changed):
        qtbot.mouseClick(remove, Qt.MouseButton.LeftButton)
    assert folder_list.folders() == [a, b, c]

    view = folder_list.list
    for row, modifier in ((0, Qt.KeyboardModifier.NoModifier), (2, Qt.KeyboardModifier.ControlModifier)):
        place = view.visualItemRect(view.item(row)).center()
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, modifier, place)
    with qtbot.waitSignal(folder_list.changed, timeout=1_000):
        qtbot.mouseClick(remove, Qt.MouseButton.LeftButton)
    assert folder_list.folders() == [b]
