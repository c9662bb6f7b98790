"""The preview pane: the selected file's best passages in context, highlighted."""

from __future__ import annotations

import html
import itertools
import re
from pathlib import Path

from PySide6.QtWidgets import QTextBrowser, QWidget

from desktop_search.ui.results_model import highlighted_html, is_dark, kind_of, when
from desktop_search.ui.worker import Preview, ResultRow, highlight_spans

PASSAGE_LIGHT = "#eef4ff"
PASSAGE_DARK = "#24344d"


# A line that starts a list item, a quote, a heading, a table row or an indented block keeps
# the line break before it.
_KEEPS_BREAK = re.compile(r"[ \t]|[-*+•>#|]|\d{1,3}[.)]\s|[A-Za-z][.)]\s")
# A line that ends a sentence keeps its break too: one entry per line (a diary, a log) stays
# so, and wrapped prose loses little (a break where a sentence happened to end at the margin).
_ENDS_SENTENCE = re.compile(r"[.!?:;][\"')\]]*$")
_WRAP_MIN = 40  # a block whose longest line is shorter is a list or verse, not wrapped prose
_WRAP_FILL = 0.6  # a line shorter than this share of the longest ended on purpose


def reflow(text: str) -> str:
    """Hard-wrapped prose as paragraphs: a line break inside a paragraph becomes a space when
    the line before it ran to the wrap width without ending a sentence, and the next line does
    not start a list item, a quote or an indented block. Same length as ``text``, so offsets
    into it still hold."""
    chars = list(text)
    for block in re.finditer(r"[^\n](?:[^\n]|\n(?!\s*\n))*", text):  # paragraphs
        lines = block.group().split("\n")
        widest = max(len(line.rstrip()) for line in lines)
        if len(lines) < 2 or widest < _WRAP_MIN:
            continue
        position = block.start()
        for line, following in itertools.pairwise(lines):
            position += len(line)
            ended = line.rstrip()
            ran_to_width = len(ended) >= _WRAP_FILL * widest and not _ENDS_SENTENCE.search(ended)
            if ran_to_width and following and not _KEEPS_BREAK.match(following):
                chars[position] = " "
            position += 1
    return "".join(chars)


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
    for number, (label, shown, start, end) in enumerate(preview.passages):
        text = reflow(shown)
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
