"""The window's responsiveness with 100k chunks indexed: keystroke -> results painted, and
how long the GUI event loop is ever blocked while a folder is being indexed.

    python -m bench.gui_latency [--reuse DATA_DIR] [--queries 100] [--files 300]

* **Keystroke -> painted**: for each Cranfield query, the window first shows the results of
  the query without its last letter; then the last key is pressed (a real key event into
  the field) and the clock stops when the list has been repainted with the new answer
  (a zero-timer posted from the viewport's paint event fires right after that paint).
  The search runs off the GUI thread, so this is: throttle (idle: runs at once) + query
  (embedding, hnswlib, FTS5, snippets) + model reset + paint.
* **Control**: after each query, one and the same keystroke (a fixed query, its rows laid
  out afresh as a new answer's are) is timed the same way. Identical work in the same
  minutes: its spread is this machine's own, next to the queries' spread.
* **Event-loop lag while indexing**: a 5 ms repeating timer in the GUI thread measures how
  late each tick is while the app's indexing thread reads, embeds and stores ``--files``
  real documents (Cranfield) into the same 100k-chunk index, with a query typed every
  300 ms meanwhile. Reported: the worst tick and p99 over the whole crawl. ``--queries 0``
  runs this part alone.

The 100k-chunk data dir is ``bench.footprint``'s (real text, random unit vectors: hnswlib
is a little slower on those than on real embeddings, ~1.0 vs ~0.8 ms for 80 neighbours);
pass ``--reuse`` to skip building it (``DS_BENCH_KEEP=1`` keeps the one a run builds).
Offscreen Qt by default (``QT_QPA_PLATFORM=xcb`` under Xvfb works too).
"""

from __future__ import annotations

import argparse
import logging
import os
import sqlite3
import sys
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, QEventLoop, QObject, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from bench.ir import load_collection
from bench.scratch import remove_scratch_dirs, scratch_dir
from bench.search_latency import percentile
from desktop_search.core.engine import Engine
from desktop_search.core.paths import AppPaths
from desktop_search.ui.window import SearchWindow
from desktop_search.ui.worker import (
    IndexWorker,
    SearchRunner,
    freeze_startup_objects,
    make_interpreter_responsive,
)

log = logging.getLogger("bench.gui_latency")
CONTROL_QUERY = "aerodynamic heating of blunt bodies"


class PaintClock(QObject):
    """Notes when the results viewport has finished painting after an answer arrived."""

    def __init__(self, app: QApplication) -> None:
        super().__init__()
        self.app = app
        self.armed = False
        self.painted_at: float | None = None

    def arm(self) -> None:
        self.armed, self.painted_at = True, None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self.armed and event.type() == QEvent.Type.Paint:
            self.armed = False
            QTimer.singleShot(0, self._painted)  # runs after this paint event completes
        return False

    def _painted(self) -> None:
        self.painted_at = time.perf_counter()


def wait_until(app: QApplication, condition, timeout: float = 30.0) -> bool:
    """Run the event loop until ``condition()`` holds. The GUI thread blocks in the event loop
    as in the app (a busy ``processEvents`` loop would hold the GIL against the search thread);
    the condition is checked every 10 ms, and the times measured are taken in the callbacks."""
    loop = QEventLoop()
    deadline = time.monotonic() + timeout
    poll = QTimer(interval=10)
    poll.timeout.connect(lambda: (condition() or time.monotonic() > deadline) and loop.quit())
    if condition():
        return True
    poll.start()
    loop.exec()
    poll.stop()
    return bool(condition())


@dataclass
class Keystroke:
    """One keystroke's time to the painted answer, and where it went."""

    total: float
    search: float  # in the search thread: embed, hnswlib, FTS5, fusion, passages
    to_gui: float  # key event, throttle, search and hand-over until the rows are in the model
    painted: float  # rows in the model -> painted


class KeystrokeTimer:
    """Times one last keystroke of a query to its painted answer, through the real window."""

    def __init__(self, app: QApplication, window: SearchWindow) -> None:
        self.app, self.window = app, window
        self.clock = PaintClock(app)
        window.results.viewport().installEventFilter(self.clock)
        self.answered: list[float] = []
        self.searched: list[float] = []
        self.in_model: list[float] = []
        window.runner.answered.connect(self._on_answer)
        # Armed when the new rows are in the model (the window then paints them at once).
        window.model.modelReset.connect(self._on_reset)

    def _on_answer(self, answer) -> None:
        self.answered.append(time.perf_counter())
        self.searched.append(answer.seconds)

    def _on_reset(self) -> None:
        self.in_model.append(time.perf_counter())
        self.clock.arm()

    def measure(self, query: str, fresh_layouts: bool = False) -> Keystroke:
        """Show the answer for ``query`` without its last letter, pause as between two keys,
        then press that letter (with ``fresh_layouts``, no row laid out for the first answer
        is reused for the second)."""
        app, window, clock = self.app, self.window, self.clock
        self.answered.clear()
        window.field.setText(query[:-1])
        wait_until(app, lambda: bool(self.answered), 30)
        self.in_model.clear()
        wait_until(
            app, lambda: False, 0.2
        )  # a pause between keystrokes: the throttle window passes, the preview runs
        wait_until(app, lambda: not window.throttle.timer.isActive(), 5)
        self.answered.clear()
        if fresh_layouts:
            window.delegate.clear_cache(icons=False)
        clock.painted_at = None
        started = time.perf_counter()
        QTest.keyClick(window.field, query[-1])
        if not wait_until(app, lambda: clock.painted_at is not None, 30):
            raise SystemExit(f"no paint after typing {query!r}")
        assert clock.painted_at is not None and self.answered and self.in_model
        keystroke = Keystroke(
            total=clock.painted_at - started,
            search=self.searched[-1],
            to_gui=self.in_model[-1] - started,
            painted=clock.painted_at - self.in_model[-1],
        )
        self.in_model.clear()
        self.answered.clear()
        return keystroke


def keystroke_latency(
    app: QApplication, window: SearchWindow, queries: list[str]
) -> tuple[list[Keystroke], list[Keystroke]]:
    """Each query's last keystroke, and after each, the control: one and the same keystroke
    (the same query, its rows laid out afresh as a new answer's are). The control is identical
    work measured in the same minutes, so its spread is the machine's own."""
    timer = KeystrokeTimer(app, window)
    typed, control = [], []
    for query in queries:
        typed.append(timer.measure(query))
        control.append(timer.measure(CONTROL_QUERY, fresh_layouts=True))
    return typed, control


def report_breakdown(keystrokes: list[Keystroke]) -> None:
    """Each part at p50/p95, and the parts of the slowest 5 % of keystrokes (the tail)."""
    for part in ("search", "to_gui", "painted"):
        values = [getattr(k, part) for k in keystrokes]
        log.info(
            "  %-8s p50 %.1f ms, p95 %.1f ms",
            part,
            percentile(values, 0.5) * 1000,
            percentile(values, 0.95) * 1000,
        )
    tail = sorted(keystrokes, key=lambda k: k.total)[-max(1, len(keystrokes) // 20) :]

    def mean_ms(part) -> float:
        return sum(part(k) for k in tail) / len(tail) * 1000

    log.info(
        "  slowest %d keystrokes (mean): total %.1f ms = search %.1f + hand-over %.1f + paint %.1f",
        len(tail),
        mean_ms(lambda k: k.total),
        mean_ms(lambda k: k.search),
        mean_ms(lambda k: k.to_gui - k.search),
        mean_ms(lambda k: k.painted),
    )


def lag_while_indexing(
    app: QApplication, window: SearchWindow, engine: Engine, folder: Path, queries: list[str]
) -> tuple[list[float], float, int]:
    worker = IndexWorker(engine)
    lags: list[float] = []
    last = [time.perf_counter()]
    interval_ms = 5

    def tick() -> None:
        now = time.perf_counter()
        lags.append(max(0.0, now - last[0] - interval_ms / 1000))
        last[0] = now

    ticker = QTimer(interval=interval_ms)
    ticker.setTimerType(Qt.TimerType.PreciseTimer)
    ticker.timeout.connect(tick)
    typed = [0]

    def type_a_query() -> None:
        window.field.setText(queries[typed[0] % len(queries)])
        typed[0] += 1

    typist = QTimer(interval=300)
    typist.timeout.connect(type_a_query)
    worker.start()
    worker.live.add_roots([folder])
    started = time.perf_counter()
    last[0] = started
    ticker.start()
    typist.start()
    files = len(list(folder.iterdir()))

    # Its own read-only connection: the GUI thread must not wait on the app's store lock.
    reader = sqlite3.connect(f"file:{engine.paths.database}?mode=ro", uri=True)

    def done() -> bool:
        indexed, pending = reader.execute(
            "SELECT (SELECT COUNT(*) FROM files WHERE status = 'indexed' AND path LIKE ?),"
            " (SELECT COUNT(*) FROM pending)",
            (f"{folder}%",),
        ).fetchone()
        return bool(indexed >= files and pending == 0)

    checker = QTimer(interval=250)
    finished = [False]
    checker.timeout.connect(lambda: finished.__setitem__(0, finished[0] or done()))
    checker.start()
    wait_until(app, lambda: finished[0], 1800)
    seconds = time.perf_counter() - started
    ticker.stop()
    typist.stop()
    checker.stop()
    worker.stop_and_wait(30_000)
    reader.close()
    # The folder lives in this run's scratch dir: forgotten, so a reused data dir keeps its
    # 100k chunks and no root that vanishes with the scratch dir (the next run's crawl would
    # meet it).
    engine.forget(folder)
    return lags, seconds, typed[0]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reuse", type=Path, help="a data dir built by bench.footprint")
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=100, help="0: the lag while indexing only")
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument(
        "--words", type=int, default=4, help="type the first N words of each query (0: all of it)"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("desktop_search").setLevel(logging.WARNING)
    work = scratch_dir("ds-gui-latency-")
    if args.reuse:
        data_dir = args.reuse
    else:
        from bench.footprint import build_data_dir
        from tests.conftest import CACHE

        data_dir = work / "data"
        build_data_dir(data_dir, CACHE / "models" / "all-MiniLM-L6-v2", args.chunks)
    make_interpreter_responsive()  # as the app does
    app = QApplication(sys.argv[:1])
    engine = Engine.open_profile(AppPaths(data_dir))
    runner = SearchRunner(engine)
    window = SearchWindow(runner, [root for _, root in engine.roots()])
    window.resize(980, 620)
    window.show()
    window.field.setFocus()
    cranfield = load_collection("cranfield")
    all_queries = [" ".join(q.split()[: args.words or None]) for _, q in cranfield.queries]
    queries = all_queries[: args.queries]
    engine.search("warm up the model and the index")
    freeze_startup_objects()  # as the app does once started
    log.info(
        "chunks indexed: %d, model: %s", engine.store.chunk_count(), engine.search_model().manifest.variant
    )

    if queries:
        keystrokes, control = keystroke_latency(app, window, queries)
        timings = [k.total for k in keystrokes]
        log.info(
            "keystroke -> results painted, %d queries (%s): p50 %.1f ms, p95 %.1f ms, max %.1f ms",
            len(timings), f"first {args.words} words" if args.words else "whole queries",
            percentile(timings, 0.5) * 1000, percentile(timings, 0.95) * 1000, max(timings) * 1000,
        )  # fmt: skip
        report_breakdown(keystrokes)
        same = [k.total for k in control]
        log.info(
            "control: the same keystroke (%r) after each of them: p50 %.1f ms, p95 %.1f ms"
            " (p95/p50 %.1f: how much this machine alone spread identical work in those minutes)",
            CONTROL_QUERY, percentile(same, 0.5) * 1000, percentile(same, 0.95) * 1000,
            percentile(same, 0.95) / percentile(same, 0.5),
        )  # fmt: skip

    def finish() -> None:
        runner.shutdown()
        engine.close()
        sys.stdout.flush()
        remove_scratch_dirs()
        os._exit(0)

    if args.files == 0:  # keystrokes only
        finish()
    folder = work / f"new-folder-{os.getpid()}"
    folder.mkdir()
    for doc_id, text in list(cranfield.documents.items())[: args.files]:
        # A line unique to this run: the chunks are new, so they are really embedded.
        (folder / f"cranfield-{doc_id}.txt").write_text(f"{folder.name} {doc_id}\n{text}", encoding="utf-8")
    lags, seconds, typed = lag_while_indexing(app, window, engine, folder, all_queries)
    log.info(
        "event-loop lag while indexing %d files (%.1f s, %d queries typed meanwhile): "
        "max %.1f ms, p99 %.1f ms, ticks over 50 ms: %d of %d",
        args.files, seconds, typed, max(lags) * 1000, percentile(lags, 0.99) * 1000,
        sum(lag > 0.05 for lag in lags), len(lags),
    )  # fmt: skip
    finish()


if __name__ == "__main__":
    main()
