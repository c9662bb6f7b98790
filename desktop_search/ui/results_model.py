"""The results list: a small list model with custom roles and a delegate that paints
icon, name, folder, date, type and the passage with the query's words highlighted."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QFileInfo,
    QModelIndex,
    QPersistentModelIndex,
    QPointF,
    QRect,
    QSize,
    Qt,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QIcon,
    QPainter,
    QPalette,
    QPixmap,
    QTextCharFormat,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import QFileIconProvider, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from desktop_search.ui.worker import ResultRow

PathRole = Qt.ItemDataRole.UserRole + 1
FolderRole = Qt.ItemDataRole.UserRole + 2
SnippetRole = Qt.ItemDataRole.UserRole + 3
HighlightsRole = Qt.ItemDataRole.UserRole + 4
PageRole = Qt.ItemDataRole.UserRole + 5
ModifiedRole = Qt.ItemDataRole.UserRole + 6
KindRole = Qt.ItemDataRole.UserRole + 7
RowRole = Qt.ItemDataRole.UserRole + 8

KINDS = {
    ".pdf": "PDF", ".docx": "Word", ".docm": "Word", ".odt": "Document", ".rtf": "Rich text",
    ".xlsx": "Spreadsheet", ".xlsm": "Spreadsheet", ".ods": "Spreadsheet", ".csv": "CSV",
    ".pptx": "Slides", ".pptm": "Slides", ".odp": "Slides", ".epub": "E-book",
    ".eml": "E-mail", ".mbox": "Mailbox", ".md": "Markdown", ".txt": "Text",
    ".html": "Web page", ".htm": "Web page", ".py": "Python", ".json": "JSON",
}  # fmt: skip
HIGHLIGHT_LIGHT = "#ffe58a"
HIGHLIGHT_DARK = "#8a6d00"


def kind_of(suffix: str) -> str:
    return KINDS.get(suffix, suffix[1:].upper() if suffix else "File")


def when(timestamp: float | None, today: dt.date | None = None) -> str:
    """'14:05' today, 'Yesterday', 'Mon 3 Mar' this year, else '3 Mar 2023'."""
    if timestamp is None:
        return "deleted"
    moment = dt.datetime.fromtimestamp(timestamp)
    today = today or dt.date.today()
    if moment.date() == today:
        return moment.strftime("%H:%M")
    if moment.date() == today - dt.timedelta(days=1):
        return "Yesterday"
    if moment.year == today.year:
        return f"{moment.day} {moment:%b}"
    return f"{moment.day} {moment:%b %Y}"


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def highlighted_html(text: str, spans: tuple[tuple[int, int], ...], dark: bool) -> str:
    """``text`` as HTML with the spans marked (escaped: a file's text is never markup)."""
    colour = HIGHLIGHT_DARK if dark else HIGHLIGHT_LIGHT
    parts, position = [], 0
    for start, end in spans:
        parts.append(html.escape(text[position:start]))
        text_colour = "#ffffff" if dark else "#000000"  # readable on the mark, selected or not
        parts.append(f'<span style="background-color:{colour}; color:{text_colour}; font-weight:600">')
        parts.append(html.escape(text[start:end]) + "</span>")
        position = end
    parts.append(html.escape(text[position:]))
    return "".join(parts)


BADGE_COLOURS = {
    "PDF": "#d93025", "Word": "#2b579a", "Document": "#2b579a", "Rich text": "#2b579a",
    "Spreadsheet": "#217346", "CSV": "#217346", "Slides": "#d24726", "E-mail": "#7b1fa2",
    "Mailbox": "#7b1fa2", "E-book": "#00838f", "Web page": "#e65100", "Python": "#3572a5",
}  # fmt: skip


def type_badge(suffix: str, size: int = 64) -> QIcon:
    """A page with the extension on a coloured band: used where the desktop has no icon theme."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    page = QRect(size // 8, 1, size * 3 // 4, size - 2)
    painter.setPen(QColor("#9aa0a6"))
    painter.setBrush(QColor("#ffffff"))
    painter.drawRoundedRect(page, size / 16, size / 16)
    label = (suffix[1:] or "?").upper()[:4]
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(BADGE_COLOURS.get(kind_of(suffix), "#5f6368")))
    band = QRect(0, size // 2, size, size * 5 // 16)
    painter.drawRoundedRect(band, size / 20, size / 20)
    font = painter.font()
    font.setBold(True)
    font.setPixelSize(max(size // (4 if len(label) <= 3 else 5), 6))
    painter.setFont(font)
    painter.setPen(QColor("#ffffff"))
    painter.drawText(band, Qt.AlignmentFlag.AlignCenter, label)
    painter.end()
    return QIcon(pixmap)


class ResultsModel(QAbstractListModel):
    """Rows of ``ResultRow``; replaced as a whole by ``set_results``. When an answer may have
    more, the view's scrolling to the end asks ``fetch_more_handler`` for them (``fetchMore``),
    and ``add_results`` appends the new files below the ones already shown."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[ResultRow] = []
        self._icons: dict[str, QIcon] = {}
        self._icon_provider: QFileIconProvider | None = None
        self.fetch_more_handler: Callable[[], None] | None = None
        self.more_possible = False
        self.fetching = False

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def set_results(self, rows: list[ResultRow], more_possible: bool = False) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.more_possible, self.fetching = more_possible, False
        self.endResetModel()

    def add_results(self, rows: list[ResultRow], more_possible: bool) -> None:
        """Append the files not shown yet (rows above keep their places)."""
        shown = {row.path for row in self._rows}
        new = [row for row in rows if row.path not in shown]
        self.more_possible, self.fetching = more_possible and bool(new), False
        if new:
            self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(new) - 1)
            self._rows.extend(new)
            self.endInsertRows()

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> bool:
        return (
            not parent.isValid()
            and self.more_possible
            and not self.fetching
            and self.fetch_more_handler is not None
        )

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> None:
        if self.canFetchMore(parent) and self.fetch_more_handler is not None:
            self.fetching = True
            self.fetch_more_handler()

    def row(self, index: int) -> ResultRow | None:
        return self._rows[index] if 0 <= index < len(self._rows) else None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == RowRole:  # first: the delegate asks for it for every row it paints
            return row
        if role == Qt.ItemDataRole.DisplayRole:
            return row.name
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.path
        if role == Qt.ItemDataRole.DecorationRole:
            return self._icon(row.suffix)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{row.name}, in {row.folder}: {row.snippet}"
        return {
            PathRole: row.path,
            FolderRole: row.folder,
            SnippetRole: row.snippet,
            HighlightsRole: row.highlights,
            PageRole: row.page,
            ModifiedRole: row.modified,
            KindRole: kind_of(row.suffix),
        }.get(role)

    def _icon(self, suffix: str) -> QIcon:
        # By type, not by file: asking the platform for 50 files' icons would stat them all.
        if suffix not in self._icons:
            if self._icon_provider is None:
                self._icon_provider = QFileIconProvider()
            icon = self._icon_provider.icon(QFileInfo(f"file{suffix}"))
            self._icons[suffix] = icon if not icon.isNull() else type_badge(suffix)
        return self._icons[suffix]


@dataclass
class _RowLayout:
    """What a row paints, prepared once for a width: texts elided and placed (x offsets from
    the text's left edge), the passage laid out."""

    title: str
    title_ascent: int  # the bold font's
    date: str
    date_x: int
    folder: str
    kind: str
    kind_x: int
    passage: QTextLayout


class ResultDelegate(QStyledItemDelegate):
    """Two lines of file facts and two of passage, highlighted. Each row's texts are elided
    and its passage laid out (a ``QTextLayout`` with the marks as formats: far cheaper than a
    rich-text document) once per width, and reused for every repaint and later answers."""

    ICON = 32
    PADDING = 8
    PASSAGE_LINES = 2
    CACHE_ROWS = 400

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._layouts: dict[tuple[object, ...], _RowLayout] = {}
        self._icon_pixmaps: dict[tuple[str, float], QPixmap] = {}

    def clear_cache(self, icons: bool = True) -> None:
        """Forget the laid-out rows (and the rendered icons, unless ``icons`` is False)."""
        self._layouts.clear()
        if icons:
            self._icon_pixmaps.clear()

    def _icon_pixmap(self, index: QModelIndex | QPersistentModelIndex, suffix: str, ratio: float) -> QPixmap:
        """The type's icon rendered once at the row's size (QIcon.paint looks it up each time)."""
        key = (suffix, ratio)
        pixmap = self._icon_pixmaps.get(key)
        if pixmap is None:
            icon: QIcon = index.data(Qt.ItemDataRole.DecorationRole)
            pixmap = icon.pixmap(QSize(self.ICON, self.ICON), ratio)
            self._icon_pixmaps[key] = pixmap
        return pixmap

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        line = option.fontMetrics.height()
        return QSize(option.rect.width(), self.PADDING * 2 + line * 4 + 4)

    def _row_layout(self, row: ResultRow, width: int, dark: bool, option: QStyleOptionViewItem) -> _RowLayout:
        # Keyed by what is painted, not by the answer: the next keystroke's answer mostly
        # holds the same files with the same passages, and those rows are not laid out again.
        key = (row.path, row.page, row.modified, row.snippet, row.highlights, width, dark)
        prepared = self._layouts.get(key)
        if prepared is None:
            if len(self._layouts) > self.CACHE_ROWS:
                self._layouts.clear()
            metrics: QFontMetrics = option.fontMetrics
            bold = QFont(option.font)
            bold.setBold(True)
            date = when(row.modified)
            date_x = width - metrics.horizontalAdvance(date)  # right-aligned
            title = row.name + (f"  ·  p. {row.page}" if row.page else "")
            kind = kind_of(row.suffix)
            kind_x = width - metrics.horizontalAdvance(kind)
            bold_metrics = QFontMetrics(bold)
            prepared = _RowLayout(
                bold_metrics.elidedText(title, Qt.TextElideMode.ElideMiddle, date_x - self.PADDING),
                bold_metrics.ascent(),
                date,
                date_x,
                metrics.elidedText(row.folder, Qt.TextElideMode.ElideMiddle, kind_x - self.PADDING),
                kind,
                kind_x,
                passage_layout(row.snippet, row.highlights, option.font, width, self.PASSAGE_LINES, dark),
            )
            self._layouts[key] = prepared
        return prepared

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        row: ResultRow | None = index.data(RowRole)
        if row is None:
            return
        rect: QRect = option.rect
        palette: QPalette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.save()
        style = option.widget.style() if option.widget else None
        if style is not None:
            style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, option.widget)
        text_colour = palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        muted = QColor(text_colour)
        muted.setAlphaF(0.62)
        line = option.fontMetrics.height()
        left = rect.left() + self.PADDING
        top = rect.top() + self.PADDING
        ratio = painter.device().devicePixelRatioF() if painter.device() else 1.0
        pixmap = self._icon_pixmap(index, row.suffix, ratio)
        size = pixmap.deviceIndependentSize()  # smaller than asked when the theme has no bigger one
        painter.drawPixmap(
            QPointF(left + (self.ICON - size.width()) / 2, top + 2 + (self.ICON - size.height()) / 2), pixmap
        )
        text_left = left + self.ICON + self.PADDING
        width = rect.right() - self.PADDING - text_left
        prepared = self._row_layout(row, width, is_dark(palette), option)

        # Texts are elided already: drawn at their baselines (drawText into a rectangle with
        # alignment flags lays each out again, at twice the cost).
        baseline = top + option.fontMetrics.ascent()
        bold = QFont(option.font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(text_colour)
        painter.drawText(QPointF(text_left, top + prepared.title_ascent), prepared.title)
        painter.setFont(option.font)
        painter.setPen(muted)
        painter.drawText(QPointF(text_left + prepared.date_x, baseline), prepared.date)
        painter.drawText(QPointF(text_left, baseline + line), prepared.folder)
        painter.drawText(QPointF(text_left + prepared.kind_x, baseline + line), prepared.kind)
        painter.setPen(text_colour)
        prepared.passage.draw(painter, QPointF(text_left, top + line * 2 + 4))
        painter.restore()


def passage_layout(
    text: str, spans: tuple[tuple[int, int], ...], font: QFont, width: int, lines: int, dark: bool
) -> QTextLayout:
    """``text`` laid out in at most ``lines`` lines of ``width``, the spans marked; drawn with
    the painter's pen, so it follows the row's selected/unselected colour."""
    layout = QTextLayout(text, font)
    mark = QTextCharFormat()
    mark.setBackground(QColor(HIGHLIGHT_DARK if dark else HIGHLIGHT_LIGHT))
    mark.setForeground(QColor("#ffffff" if dark else "#000000"))  # readable on the mark, selected or not
    mark.setFontWeight(QFont.Weight.DemiBold)
    formats = []
    for start, end in spans:
        marked = QTextLayout.FormatRange()
        marked.start, marked.length, marked.format = start, end - start, mark
        formats.append(marked)
    layout.setFormats(formats)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WordWrap)
    layout.setTextOption(option)
    layout.beginLayout()
    y = 0.0
    for _ in range(lines):
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        line.setPosition(QPointF(0, y))
        y += line.height()
    layout.endLayout()
    return layout
