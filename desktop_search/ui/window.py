"""The search window: a field, filters, ranked results with highlighted passages, a preview,
and the indexing status. Keyboard first; it never waits for the index on the GUI thread."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QDate, QEvent, QModelIndex, QObject, QPoint, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QGuiApplication, QKeyEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_search.core.query import TYPE_FAMILIES, SearchFilters
from desktop_search.ui import desktop
from desktop_search.ui.icons import app_icon
from desktop_search.ui.preview import PreviewPane
from desktop_search.ui.results_model import ResultDelegate, ResultsModel
from desktop_search.ui.status import IndexStatusBar
from desktop_search.ui.worker import Answer, Preview, ResultRow, SearchRunner

THROTTLE_MS = 120
PREVIEW_DELAY_MS = 60  # moving through results or typing fast does not lay out every preview
TYPE_CHOICES: list[tuple[str, frozenset[str]]] = [
    ("Any type", frozenset()),
    ("Documents", TYPE_FAMILIES["document"] | frozenset({".docm", ".epub"})),
    ("PDF", frozenset({".pdf"})),
    ("Spreadsheets", TYPE_FAMILIES["spreadsheet"]),
    ("Presentations", TYPE_FAMILIES["presentation"]),
    ("Text and notes", TYPE_FAMILIES["text"]),
    ("Code", TYPE_FAMILIES["code"]),
    ("E-mail", TYPE_FAMILIES["email"]),
    ("Web pages", TYPE_FAMILIES["web"]),
]
DATE_CHOICES = [("Any time", None), ("Today", 0), ("Past week", 7), ("Past month", 31), ("Past year", 366)]
CUSTOM_DATES = "Custom range…"


class Throttle(QObject):
    """Runs the action at once, then at most once per interval while calls keep coming (the
    last call always runs): the first keystroke searches immediately, a burst is coalesced."""

    def __init__(self, interval_ms: int, action: object, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.action = action
        self.timer = QTimer(self, singleShot=True, interval=interval_ms)
        self.timer.timeout.connect(self._fire_pending)
        self.pending = False

    def __call__(self) -> None:
        if self.timer.isActive():
            self.pending = True
            return
        self.action()  # type: ignore[operator]
        self.timer.start()

    def _fire_pending(self) -> None:
        if self.pending:
            self.pending = False
            self.action()  # type: ignore[operator]
            self.timer.start()


class SearchWindow(QWidget):
    """Emits what it cannot do itself (settings, adding folders, retry) to the app."""

    settings_requested = Signal()
    add_folder_requested = Signal()
    problems_requested = Signal()

    def __init__(self, runner: SearchRunner, roots: list[Path]) -> None:
        super().__init__()
        self.runner = runner
        self.roots = list(roots)
        self.indexing_line, self.reembedding = "", False
        self.current_terms: frozenset[str] = frozenset()
        self.setWindowTitle("Desktop Search")
        self.setWindowIcon(app_icon())
        self.resize(980, 620)
        self._build()
        self.throttle = Throttle(THROTTLE_MS, self.run_query, self)
        self.preview_timer = QTimer(self, singleShot=True, interval=PREVIEW_DELAY_MS)
        self.preview_timer.timeout.connect(self._request_preview)
        self.field.textChanged.connect(lambda _text: self.throttle())
        runner.answered.connect(self.show_answer)
        runner.more_answered.connect(self.add_more)
        self.shown_answer: Answer | None = None
        self.model.fetch_more_handler = self._fetch_more
        runner.failed.connect(self.show_error)
        runner.preview_ready.connect(self.show_preview)
        self._shortcuts()
        self.update_empty_state()

    # -- building -------------------------------------------------------------------------
    def _build(self) -> None:
        self.field = QLineEdit(placeholderText="Search your files by meaning…  (try: invoice from last year)")
        self.field.setClearButtonEnabled(True)
        font = self.field.font()
        font.setPointSizeF(font.pointSizeF() * 1.35)
        self.field.setFont(font)
        self.field.setMinimumHeight(self.field.fontMetrics().height() + 16)
        self.field.installEventFilter(self)
        self.settings_button = QToolButton()
        self.settings_button.setText("⚙")
        self.settings_button.setToolTip("Settings")
        self.settings_button.setAutoRaise(True)
        self.settings_button.clicked.connect(self.settings_requested)
        top = QHBoxLayout()
        top.addWidget(self.field, 1)
        top.addWidget(self.settings_button)

        self.type_filter = QComboBox()
        for label, extensions in TYPE_CHOICES:
            self.type_filter.addItem(label, extensions)
        self.folder_filter = QComboBox()
        self.date_filter = QComboBox()
        for label, days in DATE_CHOICES:
            self.date_filter.addItem(label, days)
        self.date_filter.addItem(CUSTOM_DATES, "custom")
        self.date_from = QDateEdit(QDate.currentDate().addMonths(-1))
        self.date_to = QDateEdit(QDate.currentDate())
        self.date_from.setCalendarPopup(True)
        self.date_to.setCalendarPopup(True)
        self.date_from.setDisplayFormat("yyyy-MM-dd")
        self.date_to.setDisplayFormat("yyyy-MM-dd")
        self.date_from.hide()
        self.date_to.hide()
        filters = QHBoxLayout()
        for widget in (self.type_filter, self.folder_filter, self.date_filter, self.date_from, self.date_to):
            filters.addWidget(widget)
        filters.addStretch(1)
        for combo in (self.type_filter, self.folder_filter, self.date_filter):
            combo.currentIndexChanged.connect(self._filters_changed)
        self.date_from.dateChanged.connect(self._filters_changed)
        self.date_to.dateChanged.connect(self._filters_changed)

        self.model = ResultsModel(self)
        self.delegate = ResultDelegate(self)
        self.results = QListView()
        self.results.setModel(self.model)
        self.results.setItemDelegate(self.delegate)
        self.results.setUniformItemSizes(True)
        self.results.setVerticalScrollMode(QListView.ScrollMode.ScrollPerPixel)
        self.results.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.results.customContextMenuRequested.connect(self._context_menu)
        self.results.activated.connect(lambda _index: self.open_current())
        self.results.selectionModel().currentChanged.connect(self._current_changed)
        self.results.installEventFilter(self)
        self.preview = PreviewPane()
        self.splitter = QSplitter()
        self.splitter.addWidget(self.results)
        self.splitter.addWidget(self.preview)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)

        self.empty_label = QLabel()
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_button = QPushButton("Add a folder…")
        self.empty_button.clicked.connect(self.add_folder_requested)
        empty = QWidget()
        empty_layout = QVBoxLayout(empty)
        empty_layout.addStretch(1)
        empty_layout.addWidget(self.empty_label)
        empty_layout.addWidget(self.empty_button, 0, Qt.AlignmentFlag.AlignHCenter)
        empty_layout.addStretch(2)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.splitter)
        self.pages.addWidget(empty)

        self.result_status = QLabel()
        self._fit_result_status()
        self.index_status = IndexStatusBar()
        self.index_status.problems_clicked.connect(self.problems_requested)
        bottom = QHBoxLayout()
        bottom.addWidget(self.result_status)
        bottom.addWidget(self.index_status, 1)  # its line is right-aligned: all the room it needs

        self.set_roots(self.roots)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(self.pages, 1)
        layout.addLayout(bottom)

    def _fit_result_status(self) -> None:
        """Room for a usual count: a new count on every keystroke must not shift the index
        status beside it (longer texts, "N files like …", still widen it)."""
        metrics = self.result_status.fontMetrics()
        self.result_status.setMinimumWidth(metrics.horizontalAdvance("10,000+ results · 999 ms"))

    def _shortcuts(self) -> None:
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.clear_or_hide)
        for key in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(key), self, self.reveal_current)
        QShortcut(QKeySequence("Ctrl+M"), self, self.more_like_current)
        QShortcut(QKeySequence("Ctrl+L"), self, self.focus_field)
        QShortcut(QKeySequence("Ctrl+,"), self, self.settings_requested.emit)  # Cmd+, on macOS

    def set_roots(self, roots: list[Path]) -> None:
        self.roots = list(roots)
        chosen = self.folder_filter.currentData()
        self.folder_filter.blockSignals(True)
        self.folder_filter.clear()
        self.folder_filter.addItem("All folders", "")
        for root in roots:
            self.folder_filter.addItem(root.name or str(root), str(root))
        index = self.folder_filter.findData(chosen) if chosen else 0
        self.folder_filter.setCurrentIndex(max(index, 0))
        self.folder_filter.setVisible(len(roots) > 1)
        self.folder_filter.blockSignals(False)
        self.update_empty_state()

    # -- querying -------------------------------------------------------------------------
    def filters(self) -> SearchFilters:
        extensions = self.type_filter.currentData() or frozenset()
        root = self.folder_filter.currentData()
        after = before = None
        days = self.date_filter.currentData()
        today = dt.date.today()
        if days == "custom":
            start, end = self.date_from.date(), self.date_to.date().addDays(1)
            after = dt.datetime(start.year(), start.month(), start.day())
            before = dt.datetime(end.year(), end.month(), end.day())
        elif days is not None:
            after = dt.datetime.combine(today - dt.timedelta(days=days), dt.time())
        return SearchFilters(frozenset(extensions), (root,) if root else (), after, before)

    @Slot()
    def _filters_changed(self) -> None:
        custom = self.date_filter.currentData() == "custom"
        self.date_from.setVisible(custom)
        self.date_to.setVisible(custom)
        self.run_query()

    @Slot()
    def run_query(self) -> None:
        query = self.field.text().strip()
        filters = self.filters()
        if not query and not filters.active:
            self.runner.cancel()
            self.shown_answer = None
            self.model.set_results([])
            self.preview.clear_preview()
            self.result_status.clear()
            self.update_empty_state()
            return
        self.runner.search(query, filters)

    @Slot(object)
    def show_answer(self, answer: Answer) -> None:
        self.shown_answer = answer
        self.current_terms = answer.terms
        self.model.set_results(answer.rows, more_possible=not answer.complete)
        self._show_count(answer)
        if answer.rows:
            self.pages.setCurrentIndex(0)
            self.results.setCurrentIndex(self.model.index(0))
            # The list first, now; the preview (a bigger layout) follows when typing pauses.
            self.results.viewport().repaint()
        else:
            self.preview.clear_preview()
            what = answer.query or "these filters"
            self.show_empty(f"No results for “{what}”.\nTry other words, or fewer filters.", button=False)

    def _show_count(self, answer: Answer) -> None:
        count = self.model.rowCount()
        shown = f"{count}{'' if answer.complete else '+'}"
        took = f"{answer.seconds * 1000:.0f} ms"
        if answer.similar_to:
            self.result_status.setText(f"{shown} files like {Path(answer.similar_to).name} · {took}")
        elif count:
            self.result_status.setText(f"{shown} result{'s' if count != 1 else ''} · {took}")
        else:
            self.result_status.setText("")

    def _fetch_more(self) -> None:
        """The list was scrolled to its end and the answer may hold more: ask for them."""
        if self.shown_answer is not None:
            self.runner.more(self.shown_answer)

    @Slot(object)
    def add_more(self, answer: Answer) -> None:
        self.model.add_results(answer.rows, more_possible=not answer.complete)
        self._show_count(answer)

    @Slot(str)
    def show_error(self, message: str) -> None:
        self.result_status.setText(f"Search failed: {message}")

    def show_empty(self, text: str, button: bool) -> None:
        self.empty_label.setText(text)
        self.empty_button.setVisible(button)
        self.pages.setCurrentIndex(1)

    def update_empty_state(self) -> None:
        """What the window says when there is nothing to list."""
        if self.model.rowCount() and self.field.text().strip():
            return
        if not self.roots:
            self.show_empty("No folders yet — add one to start searching your files.", button=True)
        elif self.indexing_line:
            hint = (
                "You can search already; the current index answers until then."
                if self.reembedding
                else "You can search already; results grow as files are read."
            )
            self.show_empty(f"{self.indexing_line}…\n{hint}", button=False)
        elif not self.field.text().strip():
            self.show_empty("Type to search your files by what they say.", button=False)

    def set_indexing_line(self, line: str, reembedding: bool = False) -> None:
        """What indexing is doing, shown while the field is empty ("" when it is done);
        ``reembedding``: a new model reads files that are already searchable."""
        self.indexing_line, self.reembedding = line, reembedding
        if not self.field.text().strip():
            self.update_empty_state()

    # -- the selected result --------------------------------------------------------------
    def current_row(self) -> ResultRow | None:
        return self.model.row(self.results.currentIndex().row())

    @Slot(QModelIndex, QModelIndex)
    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self.model.row(current.row()) is not None:
            self.preview_timer.start()

    def _request_preview(self) -> None:
        if self.throttle.timer.isActive():
            # Still typing (a query ran in the last THROTTLE_MS): laying out a preview now
            # (rich text, up to ~10 ms) could hold up the next key's answer. It follows the pause.
            self.preview_timer.start()
            return
        row = self.current_row()
        if row is not None:
            self.runner.preview(row, self.current_terms)

    @Slot(object)
    def show_preview(self, preview: Preview) -> None:
        row = self.current_row()
        if row is not None and row.path == preview.path:
            self.preview.show_preview(row, preview)

    def move_selection(self, step: int) -> None:
        count = self.model.rowCount()
        if count:
            row = min(max(self.results.currentIndex().row() + step, 0), count - 1)
            self.results.setCurrentIndex(self.model.index(row))

    def open_current(self) -> None:
        """Open the selected file; say so when it is gone or no app opens it (then it is
        shown in its folder)."""
        row = self.current_row()
        if row is None:
            return
        if not desktop.exists(row.path):
            self.result_status.setText(f"{row.name} is no longer there (moved or deleted)")
        elif not desktop.open_path(row.path, row.page):
            where = "; shown in its folder" if desktop.reveal_path(row.path) else ""
            self.result_status.setText(f"No app opens {row.name}{where}")

    def reveal_current(self) -> None:
        row = self.current_row()
        if row is None:
            return
        if not desktop.reveal_path(row.path):
            self.result_status.setText(f"Could not show {row.name} in its folder")
        elif not desktop.exists(row.path):
            self.result_status.setText(f"{row.name} is no longer there; its folder is shown")

    def copy_current_path(self) -> None:
        row = self.current_row()
        if row is not None:
            QGuiApplication.clipboard().setText(row.path)
            self.result_status.setText("Path copied")

    def more_like_current(self) -> None:
        row = self.current_row()
        if row is not None:
            self.runner.more_like_this(row.path)

    def focus_field(self) -> None:
        self.field.setFocus()
        self.field.selectAll()

    def clear_or_hide(self) -> None:
        if self.field.text():
            self.field.clear()
            self.field.setFocus()
        else:
            self.hide()

    def _context_menu(self, point: QPoint) -> None:
        index = self.results.indexAt(point)
        if not index.isValid():
            return
        self.results.setCurrentIndex(index)
        menu = QMenu(self)
        actions = [
            ("Open", "Return", self.open_current),
            ("Show in Folder", "Ctrl+Return", self.reveal_current),
            ("Copy Path", "Ctrl+C", self.copy_current_path),
            ("More Like This", "Ctrl+M", self.more_like_current),
        ]
        for label, keys, slot in actions:
            action = QAction(label, menu)
            action.setShortcut(QKeySequence(keys))
            action.triggered.connect(slot)
            menu.addAction(action)
        menu.exec(self.results.viewport().mapToGlobal(point))

    # -- keys -----------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        self.runner.warm_up()  # a model unloaded while idle is back before the first key
        super().showEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.delegate.clear_cache()  # laid-out rows are for the old font
            self._fit_result_status()
        super().changeEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        key, modifiers = event.key(), event.modifiers()
        control = bool(modifiers & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.MetaModifier))
        if event.matches(QKeySequence.StandardKey.Copy) and not (
            watched is self.field and self.field.hasSelectedText()
        ):
            self.copy_current_path()
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.reveal_current() if control else self.open_current()
            return True
        if watched is self.field and key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
            self.move_selection(1 if key == Qt.Key.Key_Down else -1)
            return True
        if watched is self.field and key in (Qt.Key.Key_PageDown, Qt.Key.Key_PageUp):
            self.move_selection(5 if key == Qt.Key.Key_PageDown else -5)
            return True
        return False
