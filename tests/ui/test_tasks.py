"""The UI's task runner: results on the GUI thread, lanes that do not wait for each other,
stop and cancel, progress, and a shutdown that waits for lanes but not detached work."""

from __future__ import annotations

import threading

from PySide6.QtCore import QCoreApplication, QThread

from desktop_search.core.progress import Progress
from desktop_search.ui.tasks import Task, TaskRunner


def test_results_and_failures_arrive_on_the_gui_thread(qtbot) -> None:
    runner = TaskRunner()
    gui = QThread.currentThread()
    seen: list[tuple[str, object, bool]] = []
    runner.run(
        "a",
        lambda _task: threading.current_thread().name,
        lambda v: seen.append(("done", v, QThread.currentThread() is gui)),
    )
    runner.run(
        "a", lambda _task: 1 / 0, failed=lambda m: seen.append(("failed", m, QThread.currentThread() is gui))
    )
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=5_000)
    assert seen[0][0] == "done" and seen[0][1] != threading.current_thread().name and seen[0][2]
    assert seen[1] == ("failed", "division by zero", True)
    assert runner.shutdown(5_000)


def test_a_busy_lane_does_not_hold_up_another(qtbot) -> None:
    runner = TaskRunner()
    release = threading.Event()
    order: list[str] = []
    runner.run("queries", lambda _task: release.wait(10), lambda _v: order.append("slow query"))
    runner.run("reads", lambda _task: "preview", order.append)
    qtbot.waitUntil(lambda: order == ["preview"], timeout=5_000)
    release.set()
    qtbot.waitUntil(lambda: order == ["preview", "slow query"], timeout=5_000)
    assert runner.shutdown(5_000)


def test_stop_delivers_what_the_work_returns_cancel_delivers_nothing(qtbot) -> None:
    runner = TaskRunner()
    delivered: list[str] = []

    def until_asked(task: Task) -> str:
        while not task.should_cancel():
            task.finished.wait(0.01)
        return "stopped early"

    stopped = runner.run("a", until_asked, delivered.append)
    cancelled = runner.run("b", until_asked, delivered.append)
    stopped.stop()
    cancelled.cancel()
    assert stopped.finished.wait(5) and cancelled.finished.wait(5)
    qtbot.waitUntil(lambda: delivered == ["stopped early"], timeout=5_000)
    assert delivered == ["stopped early"]


def test_progress_is_reported_in_order_on_the_gui_thread(qtbot) -> None:
    runner = TaskRunner()
    gui = QThread.currentThread()
    reports: list[tuple[int, int]] = []

    def count(task: Task) -> int:
        for done in range(1, 4):
            task.progress(Progress("counting", done, 3))
        return 3

    runner.run(
        "a",
        count,
        progress=lambda step: (
            reports.append((step.done, step.total)) if QThread.currentThread() is gui else None
        ),
    )
    qtbot.waitUntil(lambda: len(reports) == 3, timeout=5_000)
    assert reports == [(1, 3), (2, 3), (3, 3)]


def test_shutdown_cancels_and_waits_for_lanes_but_not_for_detached_work(qtbot) -> None:
    runner = TaskRunner()
    never = threading.Event()
    delivered: list[object] = []
    lane_task = runner.run(
        "a", lambda task: [task.finished.wait(0.01) for _ in iter(task.should_cancel, True)], delivered.append
    )
    detached = runner.run("download", lambda _task: never.wait(30), delivered.append, detached=True)
    assert runner.shutdown(5_000)  # the lane's work saw should_cancel() and ended
    assert lane_task.finished.is_set() and not detached.finished.is_set()
    assert detached.should_cancel()
    never.set()
    assert detached.finished.wait(5)
    QCoreApplication.processEvents()  # a delivery is queued before ``finished`` is set
    assert delivered == []  # cancelled work delivers nothing
