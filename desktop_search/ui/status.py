"""Indexing status in the window: a progress bar with speed and ETA, and the list of files
that could not be read, with their reasons and Retry."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_search.core.indexer import IndexProgress
from desktop_search.core.live import LiveState
from desktop_search.core.problems import summary_text
from desktop_search.ui.worker import describe_state, eta_text

STATUS_LABELS = {"failed": "Could not read", "skipped": "Skipped", "encrypted": "Password-protected"}


class ElidedLabel(QLabel):
    """One line that ends in "…" where it has no room, instead of widening the window (a long
    progress line would); the whole line is its tooltip, and ``text()`` returns it."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setText(text)

    def setText(self, text: str) -> None:
        self._full = text
        self.setToolTip(text)
        self._elide()

    def text(self) -> str:
        return self._full

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(self.fontMetrics().horizontalAdvance("Indexing…"), hint.height())

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(self.fontMetrics().horizontalAdvance(self._full) + 2 * self.margin() + 4, hint.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = self.contentsRect().width()
        super().setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, width))


class IndexStatusBar(QWidget):
    """'Indexing 1,234 of 5,000 files · 12 files/s · about 5 min left' and a bar; or the
    idle state; plus a button naming the files that could not be read."""

    problems_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = ElidedLabel("Starting…")
        self.label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(180)
        self.bar.setTextVisible(False)
        self.bar.hide()
        self.problems = QPushButton()
        self.problems.setFlat(True)
        self.problems.setCursor(Qt.CursorShape.PointingHandCursor)
        self.problems.clicked.connect(self.problems_clicked)
        self.problems.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.problems)
        layout.addWidget(self.bar)
        self.indexing = False

    @Slot(object)
    def show_progress(self, progress: IndexProgress) -> None:
        if progress.phase == "finish" or progress.total <= 0:
            return
        self.indexing = progress.done < progress.total
        self.bar.setVisible(self.indexing)
        self.bar.setRange(0, progress.total)
        self.bar.setValue(progress.done)
        self.label.setText(eta_text(progress))

    @Slot(object)
    def show_state(self, state: LiveState) -> None:
        if state.error or state.paused or not (state.pending or state.busy):
            self.indexing = False
            self.bar.hide()
            self.label.setText(describe_state(state))
        elif not self.bar.isVisible():
            self.label.setText(describe_state(state))

    def show_problem_count(self, count: int) -> None:
        self.problems.setText(f"{count:,} file{'s' if count != 1 else ''} not indexed…")
        self.problems.setVisible(count > 0)


class ProblemsDialog(QDialog):
    """Files that were not indexed and why; Retry reads the selected (or all) again."""

    retry_requested = Signal(object)  # list[str] | None (all)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Files not indexed")
        self.resize(760, 380)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["File", "Status", "Reason"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.summary = QLabel()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.retry_selected = buttons.addButton("Retry selected", QDialogButtonBox.ButtonRole.ActionRole)
        self.retry_all = buttons.addButton("Retry all", QDialogButtonBox.ButtonRole.ActionRole)
        self.retry_selected.clicked.connect(self._retry_selected)
        self.retry_all.clicked.connect(lambda: self._retry(None))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)

    def set_problems(self, problems: list[tuple[str, str, str]]) -> None:
        self.table.setRowCount(len(problems))
        for row, (path, status, reason) in enumerate(problems):
            self.table.setItem(row, 0, QTableWidgetItem(path))
            self.table.setItem(row, 1, QTableWidgetItem(STATUS_LABELS.get(status, status)))
            self.table.setItem(row, 2, QTableWidgetItem(reason or ""))
        count = len(problems)
        self.summary.setText(
            "Every file was indexed." if not count else
            f"{count:,} {'file was' if count == 1 else 'files were'} not indexed "
            f"({summary_text(problems)}). A file is read again when it changes, or on Retry."
        )  # fmt: skip
        self.retry_selected.setEnabled(bool(problems))
        self.retry_all.setEnabled(bool(problems))

    def _retry_selected(self) -> None:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        items = [self.table.item(row, 0) for row in rows]
        paths = [item.text() for item in items if item is not None]
        if paths:
            self._retry(paths)

    def _retry(self, paths: list[str] | None) -> None:
        self.retry_requested.emit(paths)
        self.summary.setText("Reading again…")
