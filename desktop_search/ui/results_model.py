"""The results list: a small list model with custom roles and a delegate that paints
icon, name, folder, date, type and the passage with the query's words highlighted."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QFileInfo,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QIcon,
    QPainter,
    QPalette,
    QPixmap,
    QTextDocument,
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
    """Rows of ``ResultRow``; replaced as a whole by ``set_results``."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[ResultRow] = []
        self._icons: dict[str, QIcon] = {}
        self._icon_provider: QFileIconProvider | None = None

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def set_results(self, rows: list[ResultRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row(self, index: int) -> ResultRow | None:
        return self._rows[index] if 0 <= index < len(self._rows) else None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
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
            RowRole: row,
        }.get(role)

    def _icon(self, suffix: str) -> QIcon:
        # By type, not by file: asking the platform for 50 files' icons would stat them all.
        if suffix not in self._icons:
            if self._icon_provider is None:
                self._icon_provider = QFileIconProvider()
            icon = self._icon_provider.icon(QFileInfo(f"file{suffix}"))
            self._icons[suffix] = icon if not icon.isNull() else type_badge(suffix)
        return self._icons[suffix]


class ResultDelegate(QStyledItemDelegate):
    """Two lines of file facts and two of passage, highlighted; the passage's rich text is
    laid out once per row and reused for every repaint."""

    ICON = 32
    PADDING = 8

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._documents: dict[tuple[str, int, bool], QTextDocument] = {}

    def clear_cache(self) -> None:
        self._documents.clear()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        line = option.fontMetrics.height()
        return QSize(option.rect.width(), self.PADDING * 2 + line * 4 + 4)

    def _snippet_document(self, row: ResultRow, width: int, dark: bool, option: Any) -> QTextDocument:
        key = (row.path, width, dark)
        document = self._documents.get(key)
        if document is None:
            if len(self._documents) > 400:
                self._documents.clear()
            document = QTextDocument()
            document.setDocumentMargin(0)
            document.setDefaultFont(option.font)
            document.setHtml(highlighted_html(row.snippet, row.highlights, dark))
            document.setTextWidth(width)
            self._documents[key] = document
        return document

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
        metrics = option.fontMetrics
        line = metrics.height()
        left = rect.left() + self.PADDING
        top = rect.top() + self.PADDING
        icon: QIcon = index.data(Qt.ItemDataRole.DecorationRole)
        icon.paint(painter, QRect(left, top + 2, self.ICON, self.ICON))
        text_left = left + self.ICON + self.PADDING
        width = rect.right() - self.PADDING - text_left

        date = when(row.modified)
        date_width = metrics.horizontalAdvance(date) + self.PADDING
        bold = painter.font()
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(text_colour)
        title = row.name + (f"  ·  p. {row.page}" if row.page else "")
        bold_metrics = painter.fontMetrics()
        painter.drawText(
            QRect(text_left, top, width - date_width, line),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            bold_metrics.elidedText(title, Qt.TextElideMode.ElideMiddle, width - date_width),
        )
        painter.setFont(option.font)
        painter.setPen(muted)
        painter.drawText(
            QRect(text_left, top, width, line),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            date,
        )
        kind = kind_of(row.suffix)
        kind_width = metrics.horizontalAdvance(kind) + self.PADDING
        painter.drawText(
            QRect(text_left, top + line, width - kind_width, line),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            metrics.elidedText(row.folder, Qt.TextElideMode.ElideMiddle, width - kind_width),
        )
        painter.drawText(
            QRect(text_left, top + line, width, line),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            kind,
        )
        # The passage: two lines at most, clipped.
        document = self._snippet_document(row, width, is_dark(palette), option)
        painter.translate(text_left, top + line * 2 + 4)
        clip = QRectF(0, 0, width, line * 2)
        painter.setClipRect(clip)
        context = QAbstractTextDocumentLayout.PaintContext()
        context.palette.setColor(QPalette.ColorRole.Text, text_colour)
        context.clip = clip
        document.documentLayout().draw(painter, context)
        painter.restore()
