"""The preview pane: the selected file's best passages in context, highlighted."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtWidgets import QTextBrowser, QWidget

from desktop_search.ui.results_model import highlighted_html, is_dark, kind_of, when
from desktop_search.ui.worker import Preview, ResultRow, highlight_spans

PASSAGE_LIGHT = "#eef4ff"
PASSAGE_DARK = "#24344d"


def preview_html(row: ResultRow, preview: Preview, dark: bool) -> str:
    """The file's facts, then each passage's chunk with the passage shaded and the query's
    words marked; each passage has an anchor ``passage-N`` to scroll to."""
    shade = PASSAGE_DARK if dark else PASSAGE_LIGHT
    parts = [
        f"<h3 style='margin-bottom:2px'>{html.escape(row.name)}</h3>",
        f"<div style='color:gray'>{html.escape(str(Path(row.path).parent))}<br>"
        f"{html.escape(kind_of(row.suffix))} · modified {html.escape(when(row.modified))}</div>",
    ]
    if not preview.passages:
        parts.append("<p><i>The file changed since it was indexed; it will be read again shortly.</i></p>")
    for number, (label, text, start, end) in enumerate(preview.passages):
        parts.append(f"<a name='passage-{number}'></a><hr>")
        if label:
            parts.append(f"<div style='color:gray; font-size:small'>{html.escape(label)}</div>")
        pieces = []
        thirds = ((0, start, False), (start, end, True), (end, len(text), False))
        for piece_start, piece_end, inside in thirds:
            piece = text[piece_start:piece_end]
            marked = highlighted_html(piece, highlight_spans(piece, preview.terms), dark)
            pieces.append(f"<span style='background-color:{shade}'>{marked}</span>" if inside else marked)
        body = "".join(pieces).replace("\n", "<br>")
        parts.append(f"<p style='white-space:pre-wrap'>{body}</p>")
    return "".join(parts)


class PreviewPane(QTextBrowser):
    """Read-only; links are not followed (a file's text is shown, never acted on)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setPlaceholderText("Select a result to preview its passages.")
        self.setMinimumWidth(240)
        self.current_path: str | None = None

    def show_preview(self, row: ResultRow, preview: Preview) -> None:
        self.current_path = row.path
        self.setHtml(preview_html(row, preview, is_dark(self.palette())))
        if preview.passages:
            self.scrollToAnchor("passage-0")

    def clear_preview(self) -> None:
        self.current_path = None
        self.clear()
