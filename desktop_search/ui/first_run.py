"""First run: choose folders (Documents and Desktop suggested), see how many files they hold
and which model will be used, then start."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from desktop_search.core.extract import is_supported
from desktop_search.core.scan import ScanRules, scan_root
from desktop_search.ui.folder_list import FolderList
from desktop_search.ui.tasks import Task, TaskRunner

COUNT_CAP = 200_000  # stop counting here; the estimate says "more than"


def suggested_folders(home: Path | None = None) -> list[Path]:
    """Documents and Desktop (where they exist), as the platform names them."""
    from platformdirs import user_desktop_dir, user_documents_dir

    found = []
    candidates = [Path(user_documents_dir()), Path(user_desktop_dir())]
    if home is not None:
        candidates = [home / "Documents", home / "Desktop"]
    for folder in candidates:
        if folder.is_dir() and folder not in found:
            found.append(folder)
    return found


def count_indexable(folders: list[Path], rules: ScanRules, should_cancel: Callable[[], bool]) -> int:
    """Files the app would read in these folders (up to ``COUNT_CAP``)."""
    total = 0
    for folder in folders:
        for seen in scan_root(folder, rules, should_cancel):
            if is_supported(Path(seen.path)):
                total += 1
                if total >= COUNT_CAP:
                    return total
    return total


class FirstRunDialog(QDialog):
    """Returns the chosen folders through ``folders()`` when accepted."""

    def __init__(
        self,
        rules: ScanRules,
        model_status: QWidget,
        suggestions: list[Path],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Welcome to Desktop Search")
        self.resize(560, 420)
        self.rules = rules
        intro = QLabel(
            "<h2>Find your files by what they say</h2>"
            "Choose the folders to search. Desktop Search reads them on this computer and keeps "
            "its index up to date in the background. Nothing leaves your computer."
        )
        intro.setWordWrap(True)
        self.folder_list = FolderList(suggestions)
        self.estimate = QLabel()
        self.model_status = model_status  # the app's model panel: its state, and Download
        self.buttons = QDialogButtonBox()
        self.start_button = self.buttons.addButton("Start indexing", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton("Later", QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.folder_list, 1)
        layout.addWidget(self.estimate)
        layout.addWidget(self.model_status)
        layout.addWidget(self.buttons)
        self._request = 0
        self.tasks = TaskRunner(self)
        self._count: Task | None = None
        self.finished.connect(lambda _result: self.tasks.cancel_all())
        self.folder_list.changed.connect(self._recount)
        self._recount()

    def folders(self) -> list[Path]:
        return self.folder_list.folders()

    def _recount(self) -> None:
        """Count in the background; a newer count replaces an older one."""
        if self._count is not None:
            self._count.cancel()
        self._request += 1
        request, folders = self._request, self.folders()
        self.start_button.setEnabled(bool(folders))
        if not folders:
            self.estimate.setText("Add at least one folder.")
            return
        self.estimate.setText("Counting files…")
        self._count = self.tasks.run(
            "count",
            lambda task: count_indexable(folders, self.rules, task.should_cancel),
            lambda count: self._show_count(request, count),
        )

    def _show_count(self, request: int, count: int) -> None:
        if request != self._request:
            return
        more = "more than " if count >= COUNT_CAP else "about "
        files = "file" if count == 1 else "files"
        text = f"{more}{count:,} {files} to read" if count else "No readable files found there yet."
        self.estimate.setText(text)

    def done(self, result: int) -> None:
        self.tasks.shutdown(2000)
        super().done(result)
