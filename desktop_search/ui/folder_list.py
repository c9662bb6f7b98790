"""The list of folders to index with Add… and Remove, as first run and Settings show it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QListWidget, QPushButton, QVBoxLayout, QWidget


class FolderList(QWidget):
    """Folders in the order added, each once; ``changed`` after an add or a removal."""

    changed = Signal()

    def __init__(self, folders: list[Path], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = QListWidget()
        self.list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.list.addItems([str(folder) for folder in dict.fromkeys(folders)])
        add = QPushButton("Add folder…")
        remove = QPushButton("Remove")
        add.clicked.connect(self._choose_folder)
        remove.clicked.connect(self.remove_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)

    def folders(self) -> list[Path]:
        return [Path(self.list.item(i).text()) for i in range(self.list.count())]

    def add_folder(self, folder: Path) -> None:
        if folder not in self.folders():
            self.list.addItem(str(folder))
            self.changed.emit()

    def remove_selected(self) -> None:
        selected = self.list.selectedItems()
        for item in selected:
            self.list.takeItem(self.list.row(item))
        if selected:
            self.changed.emit()

    def _choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Add a folder to index", str(Path.home()))
        if chosen:
            self.add_folder(Path(chosen))
