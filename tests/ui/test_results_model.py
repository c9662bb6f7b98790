"""The results list: the model's rows and roles (checked with pytest-qt's model tester), its
paging, the texts it shows, and the delegate's painting of marks and selection."""

from __future__ import annotations

import datetime as dt
from pathlib import PurePosixPath

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor, QPalette

from desktop_search.ui.results_model import (
    HIGHLIGHT_DARK,
    HIGHLIGHT_LIGHT,
    KindRole,
    ModifiedRole,
    PathRole,
    ResultsModel,
    highlighted_html,
    is_dark,
    kind_of,
    when,
)
from desktop_search.ui.window import SearchWindow
from desktop_search.ui.worker import ResultRow, make_rows
from tests.ui.search_typing import type_and_wait


def row_for(path: str, snippet: str = "A passage of the file.", modified: float | None = 0.0) -> ResultRow:
    """A row as the window gets it, without the search result behind it (the model and the
    delegate never read ``result``; the preview does, and is not shown here)."""
    file = PurePosixPath(path)
    return ResultRow(
        path, file.name, str(file.parent), file.suffix, modified, snippet, ((0, 1),), None, None, result=None
    )


def test_results_model_passes_qt_model_tester(qtmodeltester, indexed_engine) -> None:
    response = indexed_engine.search("bananas garden tax", limit=10)
    model = ResultsModel()
    model.set_results(make_rows(response, {"bananas", "garden", "tax"}))
    assert model.rowCount() >= 3
    qtmodeltester.check(model)
    model.set_results([])
    qtmodeltester.check(model)


def _colour_share(window: SearchWindow, row: int, colour: QColor) -> float:
    """How much of a result row's on-screen pixels are ``colour``."""
    image = window.results.viewport().grab().toImage()
    rect = window.results.visualRect(window.model.index(row))
    ratio = image.devicePixelRatio()
    wanted = colour.rgb() & 0xFFFFFF
    hits = total = 0
    for y in range(int(rect.top() * ratio), int(rect.bottom() * ratio), 2):
        for x in range(int(rect.left() * ratio), int(rect.right() * ratio), 2):
            total += 1
            hits += (image.pixel(x, y) & 0xFFFFFF) == wanted
    return hits / max(total, 1)


def test_rows_are_painted_with_their_marks_and_follow_the_selection(qtbot, window: SearchWindow) -> None:
    type_and_wait(qtbot, window, "baking with ripe bananas")
    qtbot.waitUntil(lambda: window.model.rowCount() > 1, timeout=10_000)
    window.results.setFocus()
    window.results.setCurrentIndex(window.model.index(0))
    qtbot.wait(50)
    mark = QColor(HIGHLIGHT_DARK if is_dark(window.results.palette()) else HIGHLIGHT_LIGHT)
    selection = window.results.palette().color(QPalette.ColorRole.Highlight)
    assert _colour_share(window, 0, mark) > 0.002  # the query's words are marked in the passage
    assert _colour_share(window, 0, selection) > 0.3
    assert _colour_share(window, 1, selection) < 0.05

    # The selection moves with ↓ and back with ↑; the marks stay readable on it.
    qtbot.keyClick(window.results, Qt.Key.Key_Down)
    qtbot.wait(50)
    assert _colour_share(window, 0, selection) < 0.05
    assert _colour_share(window, 1, selection) > 0.3
    qtbot.keyClick(window.results, Qt.Key.Key_Up)
    qtbot.wait(50)
    assert _colour_share(window, 0, selection) > 0.3 and _colour_share(window, 0, mark) > 0.002


def test_the_rows_and_their_roles(qtmodeltester) -> None:
    model = ResultsModel()
    gone = row_for("/docs/gone.txt", modified=None)
    model.set_results([row_for("/docs/report.pdf"), row_for("/docs/notes.weird"), gone])
    qtmodeltester.check(model)
    assert model.rowCount() == 3 and model.row(3) is None and model.row(-1) is None
    first = model.index(0)
    assert first.data(Qt.ItemDataRole.DisplayRole) == "report.pdf"
    assert first.data(Qt.ItemDataRole.ToolTipRole) == first.data(PathRole) == "/docs/report.pdf"
    assert first.data(KindRole) == "PDF" and model.index(1).data(KindRole) == "WEIRD"
    assert first.data(Qt.ItemDataRole.AccessibleTextRole) == "report.pdf, in /docs: A passage of the file."
    assert not first.data(Qt.ItemDataRole.DecorationRole).isNull()  # the desktop's icon, or a badge
    assert model.index(2).data(ModifiedRole) is None
    assert model.data(model.index(5, 0)) is None


def test_scrolling_to_the_end_asks_once_and_new_files_go_below(qtbot, qtmodeltester) -> None:
    model = ResultsModel()
    asked: list[bool] = []
    model.fetch_more_handler = lambda: asked.append(True)
    model.set_results([row_for("/d/a.txt"), row_for("/d/b.txt")], more_possible=True)
    assert model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    model.fetchMore(QModelIndex())  # the view asks again before the rows came: not again
    assert asked == [True] and not model.canFetchMore(QModelIndex())
    with qtbot.waitSignal(model.rowsInserted) as inserted:
        model.add_results([row_for("/d/a.txt"), row_for("/d/b.txt"), row_for("/d/c.txt")], more_possible=True)
    assert inserted.args[1:] == [2, 2]  # one new file, after the two shown
    assert [model.row(i).path for i in range(model.rowCount())] == ["/d/a.txt", "/d/b.txt", "/d/c.txt"]
    assert model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    model.add_results([row_for("/d/b.txt")], more_possible=True)  # nothing new: nothing more to ask
    assert model.rowCount() == 3 and not model.canFetchMore(QModelIndex())
    qtmodeltester.check(model)
    model.set_results([row_for("/d/z.txt")], more_possible=False)  # a new answer replaces all
    assert model.rowCount() == 1 and not model.canFetchMore(QModelIndex())


def test_dates_read_as_a_time_today_yesterday_or_a_day() -> None:
    today = dt.date(2024, 3, 5)
    at = lambda *moment: dt.datetime(*moment).timestamp()  # noqa: E731
    assert when(at(2024, 3, 5, 14, 5), today) == "14:05"
    assert when(at(2024, 3, 4, 23, 59), today) == "Yesterday"
    assert when(at(2024, 1, 3, 9, 0), today) == "3 Jan"
    assert when(at(2023, 3, 5, 9, 0), today) == "5 Mar 2023"
    assert when(None, today) == "deleted"


def test_kinds_are_named_or_spelled_from_the_extension() -> None:
    assert kind_of(".docx") == "Word" and kind_of(".md") == "Markdown"
    assert kind_of(".xyz") == "XYZ" and kind_of("") == "File"


def test_marked_html_escapes_the_files_text() -> None:
    text = "<b>ripe</b> bananas & bread"
    light = highlighted_html(text, ((12, 19),), dark=False)
    assert light.startswith("&lt;b&gt;ripe&lt;/b&gt; <span") and light.endswith("</span> &amp; bread")
    assert f"background-color:{HIGHLIGHT_LIGHT}" in light and ">bananas</span>" in light
    assert f"background-color:{HIGHLIGHT_DARK}" in highlighted_html(text, ((12, 19),), dark=True)
    assert highlighted_html(text, (), dark=False) == "&lt;b&gt;ripe&lt;/b&gt; bananas &amp; bread"
