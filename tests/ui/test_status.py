"""The indexing status in the window (a line that shortens instead of widening the window,
a progress bar, the count of files not indexed) and the dialog that lists those files."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from desktop_search.core.indexer import IndexProgress
from desktop_search.core.live import LiveState
from desktop_search.core.problems import summary_text
from desktop_search.ui.status import ElidedLabel, IndexStatusBar, ProblemsDialog

LINE = "Indexing 1,234 of 5,000 files · 12 files/s · about 5 min left"
IDLE = LiveState(running=True, paused=False, busy=False, pending=0)
BUSY = LiveState(running=True, paused=False, busy=True, pending=40)
PROBLEMS = [
    ("/docs/locked.pdf", "encrypted", "password-protected PDF"),
    ("/docs/old.doc", "failed", "legacy format"),
    ("/docs/huge.csv", "skipped", ""),
]


def test_a_long_line_ends_in_an_ellipsis_with_all_of_it_on_hover(qtbot) -> None:
    label = ElidedLabel(LINE)
    qtbot.addWidget(label)
    label.resize(120, 30)
    label.show()
    qtbot.waitUntil(lambda: QLabel.text(label) != LINE)
    painted = QLabel.text(label)
    assert painted.endswith("…") and LINE.startswith(painted[:-1])
    assert label.text() == LINE and label.toolTip() == LINE
    assert label.minimumSizeHint().width() < label.sizeHint().width()  # it may be squeezed
    label.resize(label.sizeHint().width(), 30)
    qtbot.waitUntil(lambda: QLabel.text(label) == LINE)
    label.setText("Index up to date")
    assert QLabel.text(label) == label.text() == label.toolTip() == "Index up to date"


def test_progress_shows_a_bar_and_the_line_until_indexing_is_done(qtbot) -> None:
    bar = IndexStatusBar()
    qtbot.addWidget(bar)
    bar.show()
    bar.show_progress(IndexProgress("embedding", 1_234, 5_000, chunks_embedded=2_000, elapsed_s=100.0))
    assert bar.label.text() == LINE
    assert bar.bar.isVisible() and (bar.bar.value(), bar.bar.maximum()) == (1_234, 5_000)
    bar.show_state(BUSY)  # still busy: the progress line stays
    assert bar.label.text() == LINE and bar.bar.isVisible()
    bar.show_progress(
        IndexProgress("finish", 5_000, 5_000, chunks_embedded=4_000, elapsed_s=300.0)
    )  # not a count
    assert bar.label.text() == LINE
    bar.show_progress(IndexProgress("embedding", 5_000, 5_000, chunks_embedded=4_000, elapsed_s=300.0))
    assert not bar.bar.isVisible() and not bar.indexing
    bar.show_state(IDLE)
    assert bar.label.text() == "Index up to date" and not bar.bar.isVisible()


def test_pausing_or_an_error_hides_the_bar_and_says_so(qtbot) -> None:
    bar = IndexStatusBar()
    qtbot.addWidget(bar)
    bar.show()
    bar.show_progress(IndexProgress("embedding", 10, 40, chunks_embedded=20, elapsed_s=5.0))
    bar.show_state(LiveState(running=True, paused=True, busy=False, pending=30))
    assert bar.label.text() == "Indexing paused" and not bar.bar.isVisible()
    bar.show_progress(IndexProgress("embedding", 11, 40, chunks_embedded=22, elapsed_s=6.0))
    bar.show_state(LiveState(running=False, paused=False, busy=True, pending=29, error="the disk is full"))
    assert bar.label.text() == "Problem: the disk is full" and not bar.bar.isVisible()


def test_the_files_not_indexed_are_counted_and_a_click_asks_for_the_list(qtbot) -> None:
    bar = IndexStatusBar()
    qtbot.addWidget(bar)
    bar.show()
    assert not bar.problems.isVisible()
    bar.show_problem_count(1)
    assert bar.problems.isVisible() and bar.problems.text() == "1 file not indexed…"
    bar.show_problem_count(12_345)
    assert bar.problems.text() == "12,345 files not indexed…"
    with qtbot.waitSignal(bar.problems_clicked, timeout=1_000):
        qtbot.mouseClick(bar.problems, Qt.MouseButton.LeftButton)
    bar.show_problem_count(0)
    assert not bar.problems.isVisible()


def test_the_problems_dialog_lists_why_and_retries_the_chosen_files(qtbot) -> None:
    dialog = ProblemsDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.set_problems(PROBLEMS)
    rows = [[dialog.table.item(row, column).text() for column in range(3)] for row in range(3)]
    assert rows == [
        ["/docs/locked.pdf", "Password-protected", "password-protected PDF"],
        ["/docs/old.doc", "Could not read", "legacy format"],
        ["/docs/huge.csv", "Skipped", ""],
    ]
    assert dialog.summary.text() == (
        f"3 files were not indexed ({summary_text(PROBLEMS)}). "
        "A file is read again when it changes, or on Retry."
    )
    with qtbot.assertNotEmitted(dialog.retry_requested):
        qtbot.mouseClick(dialog.retry_selected, Qt.MouseButton.LeftButton)  # nothing selected
    table = dialog.table
    for row, modifier in ((0, Qt.KeyboardModifier.NoModifier), (2, Qt.KeyboardModifier.ControlModifier)):
        place = table.visualItemRect(table.item(row, 1)).center()
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, modifier, place)
    with qtbot.waitSignal(dialog.retry_requested, timeout=1_000) as selected:
        qtbot.mouseClick(dialog.retry_selected, Qt.MouseButton.LeftButton)
    assert selected.args == [["/docs/locked.pdf", "/docs/huge.csv"]]
    assert dialog.summary.text() == "Reading again…"
    with qtbot.waitSignal(dialog.retry_requested, timeout=1_000) as everything:
        qtbot.mouseClick(dialog.retry_all, Qt.MouseButton.LeftButton)
    assert everything.args == [None]  # all of them


def test_with_every_file_indexed_there_is_nothing_to_retry(qtbot) -> None:
    dialog = ProblemsDialog()
    qtbot.addWidget(dialog)
    dialog.set_problems(PROBLEMS)
    dialog.set_problems([])
    assert dialog.table.rowCount() == 0 and dialog.summary.text() == "Every file was indexed."
    assert not dialog.retry_selected.isEnabled() and not dialog.retry_all.isEnabled()
