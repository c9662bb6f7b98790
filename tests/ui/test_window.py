"""The search window over a real small index (offscreen Qt, real model, real SQLite/hnswlib):
typing, the preview, the status line, keys, filters, paging, empty states."""

from __future__ import annotations

import re
import threading
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel

from desktop_search.ui.results_model import HighlightsRole, PathRole
from desktop_search.ui.window import SearchWindow
from desktop_search.ui.worker import FIRST_PAGE, SearchRunner
from tests.ui.search_typing import type_and_wait


def test_typing_shows_ranked_highlighted_results(qtbot, window: SearchWindow) -> None:
    type_and_wait(qtbot, window, "baking with ripe bananas")
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=10_000)
    first = window.model.index(0)
    assert first.data(PathRole).endswith("banana-bread.md")
    snippet = window.model.row(0).snippet
    marked = {snippet[a:b].lower() for a, b in first.data(HighlightsRole)}
    assert {"ripe", "bananas"} <= marked
    assert window.pages.currentIndex() == 0
    assert "result" in window.result_status.text() and "ms" in window.result_status.text()
    # The preview shows the passage in context, scrolled to it.
    qtbot.waitUntil(lambda: "ripe bananas" in window.preview.toPlainText(), timeout=5_000)
    assert window.preview.current_path.endswith("banana-bread.md")


def test_the_preview_shows_each_line_once_labelled_with_the_lines_shown(
    qtbot, engine_factory, tmp_path: Path
) -> None:
    """Chunks overlap, and a file's best passages often come from neighbouring chunks: the
    preview shows no line twice, and each label names the lines of the text under it."""
    folder = tmp_path / "notes"
    folder.mkdir()
    lines = [f"Line {n:02d}: the boat crossed the harbour at dawn with the tide." for n in range(1, 61)]
    for n in (12, 15, 17, 44):  # the query's words near chunk edges and far down
        lines[n - 1] = f"Line {n:02d}: a kingfisher dived from the willow for a silver minnow."
    (folder / "river-diary.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    engine = engine_factory()
    engine.index(engine.add_roots([folder]))
    runner = SearchRunner(engine)
    window = SearchWindow(runner, [folder])
    qtbot.addWidget(window)
    window.show()
    try:
        type_and_wait(qtbot, window, "kingfisher dived for a minnow")
        qtbot.waitUntil(lambda: "kingfisher" in window.preview.toPlainText(), timeout=5_000)
        shown: list[str] = []
        blocks = re.split(r"^(Lines? [0-9]+(?:\u2013[0-9]+)?)$", window.preview.toPlainText(), flags=re.M)
        labels, texts = blocks[1::2], blocks[2::2]
        assert len(labels) >= 2  # more than one passage: the case where chunks overlap
        for label, text in zip(labels, texts, strict=True):
            numbers = [int(n) for n in re.findall(r"[0-9]+", label)]
            body = [line for line in text.strip("\n").split("\n") if line]
            assert lines[numbers[0] - 1].endswith(body[0])  # the first line shown, or its end
            assert body[-1].startswith(f"Line {numbers[-1]:02d}:")
            shown += [line[:7] for line in body if line.startswith("Line ")]
        assert len(shown) == len(set(shown)), shown  # no line twice
    finally:
        runner.shutdown()


def test_the_preview_waits_until_typing_pauses(qtbot, window: SearchWindow) -> None:
    """A preview laid out between two fast keystrokes would delay the second one's answer."""
    type_and_wait(qtbot, window, "baking with ripe bananas")
    qtbot.waitUntil(lambda: "ripe bananas" in window.preview.toPlainText(), timeout=5_000)
    asked = window.runner.preview_generation
    assert window.model.rowCount() > 1
    window.throttle.timer.start()  # as right after a keystroke's query
    with qtbot.waitSignal(window.preview_timer.timeout, timeout=2_000):
        qtbot.keyClick(window.field, Qt.Key.Key_Down)  # the next result: its preview is due
    assert window.runner.preview_generation == asked  # not now...
    assert window.preview_timer.isActive()  # ...but later
    window.throttle.timer.stop()  # typing paused
    qtbot.waitUntil(lambda: window.runner.preview_generation == asked + 1, timeout=2_000)


def test_a_new_count_does_not_shift_the_index_status(qtbot, window: SearchWindow) -> None:
    """The count changes with every keystroke; the index status beside it stays put."""
    window.result_status.setText("3 results · 5 ms")
    qtbot.wait(20)  # the layout runs
    place = window.index_status.geometry()
    for text in ("10+ results · 123 ms", "1 result · 9 ms", "10+ results · 14 ms"):
        window.result_status.setText(text)
        qtbot.wait(20)
        assert window.index_status.geometry() == place


def test_a_long_progress_line_is_shortened_not_widening_the_window(qtbot, window: SearchWindow) -> None:
    window.resize(640, 480)
    qtbot.wait(20)
    line = (
        "Reading your files with the new model: 25,600 of 75,600 passages · 111 passages/s · about 8 min left"
    )
    window.set_indexing_line(line, reembedding=True)
    window.index_status.label.setText(line)
    qtbot.wait(50)  # the layout runs
    assert window.width() == 640 and window.minimumSizeHint().width() <= 640
    label = window.index_status.label
    assert label.text() == line and label.toolTip() == line  # all of it, on hover
    shown = QLabel.text(label)  # what is painted
    assert shown.endswith("…") and line.startswith(shown[:-1])
    # Room again: the whole line.
    window.resize(1400, 480)
    qtbot.waitUntil(lambda: QLabel.text(label) == line, timeout=2_000)


def test_keyboard_moves_opens_reveals_copies(qtbot, window: SearchWindow, opened) -> None:
    type_and_wait(qtbot, window, "garden roses tax bread")
    qtbot.waitUntil(lambda: window.model.rowCount() >= 2, timeout=10_000)
    assert window.results.currentIndex().row() == 0
    qtbot.keyClick(window.field, Qt.Key.Key_Down)
    assert window.results.currentIndex().row() == 1
    qtbot.keyClick(window.field, Qt.Key.Key_Up)
    qtbot.keyClick(window.field, Qt.Key.Key_Up)  # stays on the first
    assert window.results.currentIndex().row() == 0
    first = window.model.row(0).path
    qtbot.keyClick(window.field, Qt.Key.Key_Return)
    qtbot.keyClick(window.field, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert opened == [("open", first, None), ("reveal", first, None)]
    qtbot.keyClick(window.field, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == first
    # With text selected in the field, Ctrl+C copies that text instead.
    window.field.selectAll()
    qtbot.keyClick(window.field, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == window.field.text()


def test_opening_a_file_that_is_gone_or_that_no_app_opens_says_so(
    qtbot, window: SearchWindow, opened, sample_folder: Path
) -> None:
    type_and_wait(qtbot, window, "baking with ripe bananas")
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=10_000)
    first = window.model.row(0)
    opened.opens = False  # no app is set to open this type
    qtbot.keyClick(window.field, Qt.Key.Key_Return)
    assert opened == [("open", first.path, None), ("reveal", first.path, None)]
    assert window.result_status.text() == f"No app opens {first.name}; shown in its folder"

    opened.clear()
    Path(first.path).unlink()  # deleted a moment ago; the index has not caught up
    qtbot.keyClick(window.field, Qt.Key.Key_Return)
    assert opened == []  # nothing asked to open a file that is not there
    assert window.result_status.text() == f"{first.name} is no longer there (moved or deleted)"
    qtbot.keyClick(window.field, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert opened == [("reveal", first.path, None)]  # its folder
    assert window.result_status.text() == f"{first.name} is no longer there; its folder is shown"


def test_escape_clears_then_hides(qtbot, window: SearchWindow) -> None:
    window.field.setText("something")
    qtbot.keyClick(window.field, Qt.Key.Key_Escape)
    assert window.field.text() == "" and window.isVisible()
    qtbot.keyClick(window.field, Qt.Key.Key_Escape)
    assert not window.isVisible()


def test_a_slow_query_then_a_fast_one_shows_only_the_fast_one(qtbot, window: SearchWindow) -> None:
    engine = window.runner.engine
    real_search = engine.search
    release = threading.Event()

    def slow_for_taxes(query, *args, **kwargs):  # stub delay: the first query is slow
        if "tax" in query:
            release.wait(10)
        return real_search(query, *args, **kwargs)

    engine.search = slow_for_taxes
    answers = []
    window.runner.answered.connect(lambda answer: answers.append(answer.query))
    window.runner.search("income tax return")
    window.runner.search("ripe bananas")
    release.set()
    qtbot.waitUntil(lambda: bool(answers), timeout=10_000)
    qtbot.wait(300)  # time for a stale answer to (wrongly) arrive
    assert answers == ["ripe bananas"]
    assert window.model.row(0).path.endswith("banana-bread.md")


def test_filters_narrow_by_type_folder_and_date(qtbot, window: SearchWindow, sample_folder: Path) -> None:
    type_and_wait(qtbot, window, "notes code bread tax garden")
    qtbot.waitUntil(lambda: window.model.rowCount() >= 3, timeout=10_000)
    with qtbot.waitSignal(window.runner.answered, timeout=10_000):
        window.type_filter.setCurrentIndex(window.type_filter.findText("Code"))
    paths = [window.model.row(i).path for i in range(window.model.rowCount())]
    assert paths and all(p.endswith(".py") for p in paths)
    with qtbot.waitSignal(window.runner.answered, timeout=10_000):
        window.type_filter.setCurrentIndex(0)
    # A folder outside the indexed one: nothing.
    window.set_roots([sample_folder, sample_folder / "code"])
    assert window.folder_filter.isVisibleTo(window)
    with qtbot.waitSignal(window.runner.answered, timeout=10_000):
        window.folder_filter.setCurrentIndex(2)
    paths = [window.model.row(i).path for i in range(window.model.rowCount())]
    assert paths and all("/code/" in p for p in paths)
    with qtbot.waitSignal(window.runner.answered, timeout=10_000):
        window.folder_filter.setCurrentIndex(0)
    # Modified in a custom range long ago: nothing, and the window says so.
    with qtbot.waitSignal(window.runner.answered, timeout=10_000):
        window.date_filter.setCurrentIndex(window.date_filter.findData("custom"))
    assert window.date_from.isVisibleTo(window)
    with qtbot.waitSignal(window.runner.answered, timeout=10_000):
        window.date_to.setDate(window.date_to.date().addYears(-20))
    assert window.model.rowCount() == 0
    assert window.empty_label.text().startswith("No results for")


def test_more_like_this(qtbot, window: SearchWindow) -> None:
    type_and_wait(qtbot, window, "ripe bananas")
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=10_000)
    source = window.model.row(0).path
    with qtbot.waitSignal(window.runner.answered, timeout=10_000):
        window.more_like_current()
    paths = [window.model.row(i).path for i in range(window.model.rowCount())]
    assert paths and source not in paths
    assert "files like banana-bread.md" in window.result_status.text()


def test_empty_states(qtbot, engine_factory, sample_folder: Path) -> None:
    runner = SearchRunner(engine_factory())
    window = SearchWindow(runner, [])
    qtbot.addWidget(window)
    assert window.empty_label.text().startswith("No folders yet")
    assert window.empty_button.isVisibleTo(window)
    with qtbot.waitSignal(window.add_folder_requested):
        window.empty_button.click()
    window.set_roots([sample_folder])
    window.set_indexing_line("Indexing 3 of 10 files")
    assert window.empty_label.text().startswith("Indexing 3 of 10 files…")
    assert window.empty_label.text().endswith("results grow as files are read.")
    window.set_indexing_line("Reading your files with the new model: 256 of 900 passages", reembedding=True)
    assert window.empty_label.text().endswith("the current index answers until then.")
    window.set_indexing_line("")
    assert window.empty_label.text().startswith("Type to search")
    runner.shutdown()


def test_a_burst_of_keystrokes_is_coalesced(qtbot, window: SearchWindow) -> None:
    started = []
    real = window.runner.search
    window.runner.search = lambda query, filters=None: (started.append(query), real(query, filters))[1]
    qtbot.keyClicks(window.field, "ripe bananas")  # 12 keystrokes in a few ms
    qtbot.waitUntil(lambda: not window.throttle.timer.isActive(), timeout=5_000)
    qtbot.waitUntil(
        lambda: window.shown_answer is not None and window.shown_answer.query == "ripe bananas",
        timeout=10_000,
    )  # the last query's answer: no query starts after it
    assert started[0] == "r" and started[-1] == "ripe bananas"
    assert len(started) <= 3


def test_the_first_page_is_short_and_scrolling_to_the_end_adds_the_rest(
    qtbot, engine_factory, tmp_path
) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    topics = ["budget", "hiring", "roadmap", "offsite", "security", "pricing", "support", "travel"]
    for number in range(26):
        topic = topics[number % len(topics)]
        (folder / f"meeting-{number:02d}.txt").write_text(
            f"Minutes of the weekly team meeting number {number}. We discussed {topic} and agreed"
            f" on next steps for the {topic} plan before the next meeting.\n",
            encoding="utf-8",
        )
    engine = engine_factory()
    engine.index(engine.add_roots([folder]))
    runner = SearchRunner(engine)
    window = SearchWindow(runner, [folder])
    qtbot.addWidget(window)
    window.resize(900, 500)
    window.show()
    try:
        type_and_wait(qtbot, window, "team meeting minutes")
        qtbot.waitUntil(lambda: window.model.rowCount() == FIRST_PAGE, timeout=10_000)
        first_page = [window.model.row(i).path for i in range(FIRST_PAGE)]
        assert window.result_status.text().startswith(f"{FIRST_PAGE}+ results")

        with qtbot.waitSignal(runner.more_answered, timeout=15_000):
            window.results.scrollToBottom()
        qtbot.waitUntil(lambda: window.model.rowCount() == 26, timeout=5_000)
        paths = [window.model.row(i).path for i in range(26)]
        assert paths[:FIRST_PAGE] == first_page  # the rows already seen keep their places
        assert len(set(paths)) == 26
        assert window.result_status.text().startswith("26 results")
        assert not window.model.canFetchMore(QModelIndex())  # the whole answer is here
    finally:
        runner.shutdown()


def test_a_longer_list_for_an_older_query_is_dropped(qtbot, window: SearchWindow) -> None:
    type_and_wait(qtbot, window, "garden")
    shown = window.shown_answer
    assert shown is not None
    window.runner.more(shown)  # the list reached its end…
    window.runner.search("tax deadline")  # …but a new query started before the rows came
    added: list[object] = []
    window.runner.more_answered.connect(added.append)
    qtbot.waitUntil(lambda: window.shown_answer is not None and window.shown_answer.query == "tax deadline")
    qtbot.wait(200)
    assert added == []


def test_opening_the_window_loads_a_model_unloaded_while_idle(qtbot, window: SearchWindow) -> None:
    type_and_wait(qtbot, window, "garden")
    engine = window.runner.engine
    embedder = engine.searcher().embedder
    window.hide()
    assert engine.unload_idle_models(idle_s=0) == 1  # what the runner does after MODEL_IDLE_S
    assert not embedder.loaded
    window.show()
    qtbot.waitUntil(lambda: embedder.loaded, timeout=10_000)
