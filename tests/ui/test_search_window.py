"""The search window over a real small index (offscreen Qt, real model)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from desktop_search.core.search import SearchResponse
from desktop_search.ui.app import SearchWindow


def _indexed_window(qtbot, engine_factory, sample_folder: Path) -> SearchWindow:
    engine = engine_factory()
    engine.index(engine.add_roots([sample_folder]))
    window = SearchWindow(engine)
    qtbot.addWidget(window)
    window.show()
    return window


def test_typing_shows_ranked_results(qtbot, engine_factory, sample_folder: Path) -> None:
    window = _indexed_window(qtbot, engine_factory, sample_folder)
    assert "1 folder(s) indexed" in window.status.text()
    qtbot.keyClicks(window.field, "baking with ripe bananas")
    qtbot.waitUntil(lambda: window.results.count() > 0, timeout=10_000)
    first = window.results.item(0)
    assert first.data(Qt.ItemDataRole.UserRole).endswith("banana-bread.md")
    assert "ripe bananas" in first.text()
    assert "results in" in window.status.text()
    window.shutdown()


def test_stale_answers_are_dropped(qtbot, engine_factory, sample_folder: Path) -> None:
    window = _indexed_window(qtbot, engine_factory, sample_folder)
    window.generation = 5
    stale = window.engine.search("taxes")
    window.show_results(4, stale)
    assert window.results.count() == 0
    window.show_results(5, stale)
    assert window.results.count() > 0


def test_no_results_and_escape(qtbot, engine_factory, sample_folder: Path) -> None:
    window = _indexed_window(qtbot, engine_factory, sample_folder)
    window.generation = 1
    window.show_results(1, SearchResponse("zzz", [], 0.0))
    assert window.status.text() == "No results for “zzz”"
    window.field.setText("something")
    window.clear_or_hide()
    assert window.field.text() == "" and window.isVisible()
    window.clear_or_hide()
    assert not window.isVisible()


def test_empty_state_without_folders(qtbot, engine_factory) -> None:
    window = SearchWindow(engine_factory())
    qtbot.addWidget(window)
    assert window.status.text().startswith("No folders yet")


def test_pdf_viewers_that_take_a_page_get_it() -> None:
    from desktop_search.ui.app import page_command

    assert page_command("org.gnome.Evince.desktop\n", "/d/a.pdf", 3) == [
        "evince",
        "--page-index=3",
        "/d/a.pdf",
    ]
    assert page_command("org.kde.okular.desktop", "/d/a.pdf", 12) == ["okular", "--page", "12", "/d/a.pdf"]
    assert page_command("firefox.desktop", "/d/a.pdf", 3) is None  # opened normally, no page
