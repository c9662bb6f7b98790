"""Fixtures shared by the UI tests: an indexed engine, a shown search window over it, and the
OS calls the window makes to open or reveal files (recorded, not made)."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_search.ui import desktop
from desktop_search.ui.window import SearchWindow
from desktop_search.ui.worker import SearchRunner


@pytest.fixture
def indexed_engine(engine_factory, sample_folder: Path):
    engine = engine_factory()
    engine.index(engine.add_roots([sample_folder]))
    return engine


@pytest.fixture
def window(qtbot, indexed_engine, sample_folder: Path):
    runner = SearchRunner(indexed_engine)
    window = SearchWindow(runner, [sample_folder])
    qtbot.addWidget(window)
    window.show()
    yield window
    runner.shutdown()


class DesktopCalls(list[tuple[str, str, "int | None"]]):
    """What the window asked the OS to open or reveal (no file manager here); ``opens`` is
    what opening answers (False: no app is set for the type)."""

    opens = True


@pytest.fixture
def opened(monkeypatch) -> DesktopCalls:
    calls = DesktopCalls()

    def open_path(path: str, page: int | None = None) -> bool:
        calls.append(("open", path, page))
        return calls.opens

    def reveal_path(path: str) -> bool:
        calls.append(("reveal", path, None))
        return True

    monkeypatch.setattr(desktop, "open_path", open_path)
    monkeypatch.setattr(desktop, "reveal_path", reveal_path)
    return calls
