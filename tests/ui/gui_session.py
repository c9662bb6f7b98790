"""A whole GUI session in one real app process, for tests that watch it from outside (the
privacy test traces it with strace): ``python -m tests.ui.gui_session DATA_DIR QUERY``.

The app starts as a user starts it (``run_app``: tray, window, indexing thread), indexes the
folders already added to DATA_DIR, the query is typed into the window key by key, and when
its results are painted the top result's path is printed and the app quits.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from desktop_search.core.paths import AppPaths
from desktop_search.ui.app import run_app
from desktop_search.ui.window import SearchWindow

TIMEOUT_S = 240


def main() -> int:
    data_dir, query = Path(sys.argv[1]), sys.argv[2]
    app = QApplication(sys.argv[:1])
    started = time.monotonic()
    typed = [False]

    def window() -> SearchWindow | None:
        return next((w for w in app.topLevelWidgets() if isinstance(w, SearchWindow)), None)

    def step() -> None:
        shown = window()
        if time.monotonic() - started > TIMEOUT_S:
            print("TIMEOUT", flush=True)
            app.exit(3)
            return
        if shown is None or "Index up to date" not in shown.index_status.label.text():
            return
        if not shown.runner.engine.store.chunk_count():
            return  # up to date before the first crawl started
        if not typed[0]:
            typed[0] = True
            shown.show()
            shown.field.setFocus()
            QTest.keyClicks(shown.field, query)
            return
        if shown.model.rowCount() and shown.shown_answer and shown.shown_answer.query == query:
            print("TOP", shown.model.row(0).path, flush=True)
            app.quit()

    poll = QTimer(interval=100)
    poll.timeout.connect(step)
    poll.start()
    return run_app(AppPaths(data_dir), background=True)


if __name__ == "__main__":
    sys.exit(main())
