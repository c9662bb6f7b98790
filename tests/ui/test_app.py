"""The app as a whole in one process: live indexing on its QThread, the tray, closing, quitting,
and the single-instance socket (offscreen Qt, real engine and model)."""

from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QDir
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from desktop_search.core.indexer import INDEX_MODEL_KEY
from desktop_search.core.model.manifest import read_manifest
from desktop_search.core.model.registry import BGE_SMALL, OFFLINE_FALLBACK
from desktop_search.ui.app import AppController
from desktop_search.ui.single_instance import SingleInstance, send_to_running
from tests.fixtures import documents as docs
from tests.hub_mirror import HubMirror
from tests.processes import HAS_PROC, processes_naming


@pytest.fixture
def controller(qtbot, engine_factory):
    made: list[AppController] = []

    def make(use_tray: bool = True) -> AppController:
        app = QApplication.instance()
        made.append(AppController(app, engine_factory(), use_tray=use_tray))
        qtbot.addWidget(made[-1].window)
        return made[-1]

    yield make
    for controller in made:
        controller.shutdown()
    QApplication.instance().setQuitOnLastWindowClosed(True)


def _wait_idle(qtbot, controller: AppController, timeout: int = 60_000) -> None:
    def idle() -> bool:
        state = controller.last_state
        return state is not None and state.running and not state.pending and not state.busy

    qtbot.waitUntil(idle, timeout=timeout)


def test_a_folder_added_in_the_app_is_indexed_live_and_found(qtbot, controller, sample_folder: Path) -> None:
    app = controller()
    app.start()
    app.add_folders([sample_folder])
    _wait_idle(qtbot, app)
    assert app.worker.is_running()
    assert app.window.index_status.label.text() == "Index up to date"
    # A file saved now is found a moment later, without restarting anything.
    violin = sample_folder / "violin.txt"
    violin.write_text("Practise violin scales slowly with a metronome every morning.")

    def indexed() -> bool:
        state = app.engine.store.file_state(str(violin))
        return state is not None and state.status == "indexed"

    qtbot.waitUntil(indexed, timeout=30_000)
    with qtbot.waitSignal(app.runner.answered, timeout=10_000):
        app.window.field.setText("music practice with a metronome")
    qtbot.waitUntil(lambda: app.window.model.rowCount() > 0, timeout=5_000)
    assert app.window.model.row(0).path.endswith("violin.txt")


def test_files_not_indexed_are_listed_with_the_reason_and_retry_reads_them_again(
    qtbot, controller, tmp_path: Path
) -> None:
    folder = tmp_path / "docs"
    docs.write(folder, "letter.docx", docs.docx_bytes(["The boiler needs a service before winter."]))
    locked = docs.write(folder, "locked.pdf", docs.encrypted_pdf_bytes([["secret"]]))
    app = controller()
    app.start()
    app.add_folders([folder])
    _wait_idle(qtbot, app)
    app.refresh_problem_count()
    button = app.window.index_status.problems
    qtbot.waitUntil(lambda: button.isVisible() and button.text() == "1 file not indexed…", timeout=10_000)

    button.click()
    dialog = app.problems_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.isVisible() and dialog.table.rowCount() == 1, timeout=10_000)
    row = [dialog.table.item(0, column).text() for column in range(3)]
    assert row == [str(locked), "Password-protected", "password-protected PDF"]
    assert dialog.summary.text() == (
        "1 file was not indexed (1 encrypted). A file is read again when it changes, or on Retry."
    )

    # The user removes the password, and the file keeps its size and modified time: the
    # watcher sees nothing to read again, only Retry does.
    stat = locked.stat()
    readable = docs.pdf_bytes([["The lease ends in March; give notice by January."]])
    locked.write_bytes(readable + b" " * (stat.st_size - len(readable)))  # blanks after %%EOF
    os.utime(locked, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    qtbot.wait(1500)
    assert len(app.engine.store.problem_files()) == 1
    dialog.retry_all.click()
    assert dialog.summary.text() == "Reading again…"
    qtbot.waitUntil(lambda: dialog.summary.text() == "Every file was indexed.", timeout=30_000)
    assert dialog.table.rowCount() == 0
    app.refresh_problem_count()
    qtbot.waitUntil(lambda: not button.isVisible(), timeout=10_000)
    found = app.engine.search("when does the lease end").results
    assert found and Path(found[0].path) == locked


def test_tray_menu_pauses_opens_and_quits(qtbot, controller, sample_folder: Path, monkeypatch) -> None:
    app = controller(use_tray=True)
    app.add_folders([sample_folder])
    app.start(show_window=False)
    assert app.tray is not None and not app.window.isVisible()
    _wait_idle(qtbot, app)
    app.tray.pause_action.trigger()
    qtbot.waitUntil(lambda: app.tray.state == "paused", timeout=5_000)
    assert app.worker.paused and app.tray.pause_action.text() == "Resume Indexing"
    app.tray.pause_action.trigger()
    qtbot.waitUntil(lambda: app.tray.state == "idle", timeout=10_000)
    assert not app.worker.paused
    app.tray.open_action.trigger()
    assert app.window.isVisible()
    # With a tray, closing the window hides it; indexing goes on.
    app.window.close()
    assert not app.window.isVisible() and app.worker.is_running()
    quits: list[bool] = []
    monkeypatch.setattr(app.app, "quit", lambda: quits.append(True))
    app.tray.quit_action.trigger()
    assert quits == [True] and app.quitting


def test_quit_stops_the_indexer_cleanly(qtbot, controller, sample_folder: Path) -> None:
    app = controller()
    app.add_folders([sample_folder])
    app.start()
    qtbot.waitUntil(app.worker.is_running, timeout=5_000)
    app.shutdown()
    assert not app.worker.is_running()
    assert not app.window.isVisible()
    assert app.engine.store.pragma("integrity_check") == [("ok",)]


def test_without_a_tray_closing_the_window_quits_after_asking_while_indexing(
    qtbot, controller, sample_folder: Path, monkeypatch
) -> None:
    app = controller(use_tray=False)
    app.start()
    assert app.tray is None and QApplication.instance().quitOnLastWindowClosed()
    from desktop_search.core.live import LiveState

    app.on_state(LiveState(True, False, True, 40))  # files are being read
    asked: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "question", lambda *args: asked.append(args[1]) or QMessageBox.StandardButton.No
    )
    app.window.close()
    assert asked == ["Quit Desktop Search?"] and app.window.isVisible()  # the user said no
    quits: list[bool] = []
    monkeypatch.setattr(app.app, "quit", lambda: quits.append(True))
    app.on_state(LiveState(True, False, False, 0))  # idle: no question
    app.window.close()
    assert len(asked) == 1 and quits == [True]


def test_second_launch_reaches_the_first(qtbot, tmp_path: Path) -> None:
    name = f"ds-test-{os.getpid()}-{tmp_path.name}"[:60]
    first = SingleInstance(name)
    assert first.listen()
    second = (
        "import sys; from PySide6.QtCore import QCoreApplication; app = QCoreApplication([]); "
        "from desktop_search.ui.single_instance import send_to_running; "
        f"sys.exit(0 if send_to_running({name!r}, 'toggle') else 3)"
    )
    with qtbot.waitSignal(first.message_received, timeout=10_000) as received:
        launch = subprocess.Popen([sys.executable, "-c", second])
    qtbot.waitUntil(lambda: launch.poll() is not None, timeout=10_000)
    assert received.args == ["toggle"] and launch.returncode == 0
    first.close()
    assert send_to_running(name, "show") is False  # nobody listening any more


@pytest.mark.skipif(sys.platform == "win32", reason="Unix domain sockets leave a file behind")
def test_a_stale_socket_from_a_crash_is_replaced(qtbot, tmp_path: Path) -> None:
    name = f"ds-stale-{os.getpid()}-{tmp_path.name}"[:60]
    path = os.path.join(QDir.tempPath(), name)
    crashed = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    crashed.bind(path)  # bound, never unlinked: what a killed instance leaves
    crashed.close()
    assert os.path.exists(path)
    assert send_to_running(name, "show") is False
    instance = SingleInstance(name)
    assert instance.listen()
    instance.close()


def test_a_downloaded_model_becomes_the_one_the_files_are_read_with(
    qtbot, controller, sample_folder: Path, hub_mirror
) -> None:
    app = controller()
    app.start()
    app.add_folders([sample_folder])
    _wait_idle(qtbot, app)
    offline = app.engine.store.get_meta(INDEX_MODEL_KEY)
    # The settings ask for bge-small, which is not installed: the offline model serves.
    app.apply_settings(dataclasses.replace(app.engine.settings, model=BGE_SMALL.name))
    assert app.engine.preferred_model().manifest.name == OFFLINE_FALLBACK
    assert not app.model_is_installed(BGE_SMALL.name)

    notices: list[str] = []
    assert app.tray is not None
    app.tray.icon.showMessage = lambda _title, text, *_: notices.append(text)  # the platform's part
    with qtbot.waitSignal(app.download.finished, timeout=120_000):
        assert app.download.start(BGE_SMALL.name)
    # (The loopback "Hub" serves the offline model's weights under bge-small's name.)
    assert notices == [
        f"{BGE_SMALL.name} is installed. Your files are read with it in the background; "
        "search works as before meanwhile."
    ]
    assert app.model_is_installed(BGE_SMALL.name)
    # The indexer takes the new model between two batches.
    qtbot.waitUntil(lambda: app.engine.preferred_model().manifest.name == BGE_SMALL.name, timeout=30_000)
    new_model = app.engine.preferred_model().manifest.model_id
    # The files are read again with it; search uses the old index until that is done.
    qtbot.waitUntil(lambda: app.engine.store.get_meta(INDEX_MODEL_KEY) == new_model, timeout=120_000)
    assert new_model != offline
    _wait_idle(qtbot, app)
    with qtbot.waitSignal(app.runner.answered, timeout=10_000):
        app.window.field.setText("banana bread recipe")
    qtbot.waitUntil(lambda: app.window.model.rowCount() > 0, timeout=5_000)


def test_quitting_stops_a_download_and_keeps_what_it_fetched(
    qtbot, controller, offline_model, monkeypatch
) -> None:
    app = controller()
    app.start()
    with HubMirror(offline_model.folder, seconds_per_block=0.05) as mirror:
        monkeypatch.setenv("HF_ENDPOINT", mirror.url)
        assert app.download.start(BGE_SMALL.name)
        qtbot.waitUntil(lambda: app.download.last_progress[0] > 0, timeout=30_000)
        app.shutdown()
        assert app.download.wait(2.0)
    part = app.engine.paths.models_dir / f".{BGE_SMALL.name}.download" / "model.onnx.part"
    assert part.stat().st_size > 0 and not app.model_is_installed(BGE_SMALL.name)


@pytest.mark.skipif(not HAS_PROC, reason="reads /proc")
def test_quitting_while_a_model_is_prepared_ends_its_child_process(qtbot, controller, hub_mirror) -> None:
    app = controller()
    app.start()
    partial = app.engine.paths.models_dir / f".{BGE_SMALL.name}.download"
    assert app.download.start(BGE_SMALL.name)
    qtbot.waitUntil(lambda: bool(processes_naming(str(partial))), timeout=60_000)  # preparing
    started = time.monotonic()
    app.shutdown()
    assert time.monotonic() - started < 2.0
    assert processes_naming(str(partial)) == []  # not left running after the app
    assert not app.model_is_installed(BGE_SMALL.name)
    # The verified download is kept: the next start prepares it without fetching again.
    assert read_manifest(partial, verify_checksum=True).variants == ()


def test_a_download_failing_in_the_background_is_told_by_the_tray(qtbot, controller, monkeypatch) -> None:
    app = controller()
    app.start()
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens there
    notices: list[str] = []
    assert app.tray is not None
    app.tray.icon.showMessage = lambda _title, text, *_: notices.append(text)  # the platform's part
    # While a dialog is open (Settings: its model panel says it), no notice on top.
    dialog = QDialog(app.window)
    dialog.setModal(True)
    dialog.show()
    with qtbot.waitSignal(app.download.failed, timeout=60_000):
        assert app.download.start(BGE_SMALL.name)
    assert notices == []
    dialog.close()
    with qtbot.waitSignal(app.download.failed, timeout=60_000):
        assert app.download.start(BGE_SMALL.name)
    assert len(notices) == 1
    assert notices[0].startswith(f"The download of {BGE_SMALL.name} did not finish. Cannot reach 127.0.0.1:9")
    assert notices[0].endswith("are you offline? Try again in Settings → Model.")


def test_settings_go_to_the_running_indexer_without_stopping_it(qtbot, controller, tmp_path: Path) -> None:
    # Issue 22, bug 2: applying settings stopped the indexer on the GUI thread (up to 10 s)
    # and started a second one, which could die on the writer lock while the first lived on.
    from tests.fixtures import documents as docs

    folder = tmp_path / "many"
    for i in range(300):
        docs.write(
            folder, f"note-{i:03d}.txt", f"Note {i} about the garden, the roses and tomatoes.".encode()
        )
    app = controller()
    app.start()
    app.add_folders([folder])
    qtbot.waitUntil(lambda: app.engine.store.pending_count() > 0, timeout=30_000)  # a crawl under way
    worker = app.worker
    app.apply_settings(dataclasses.replace(app.settings, threads=1))
    assert app.worker is worker and worker.is_running()  # no second indexer, none stopped
    qtbot.waitUntil(lambda: app.engine.settings.threads == 1, timeout=60_000)  # taken between batches
    _wait_idle(qtbot, app)
    assert app.engine.status().provider.threads == 1
    assert app.last_state is not None and app.last_state.error is None
    assert len(app.engine.search("roses in the garden", limit=5).results) == 5
