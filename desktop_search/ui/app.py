"""The running app: one engine, the indexing thread, the search window, the tray, settings,
first run and the single-instance socket, wired together.

With a tray, closing the window keeps indexing in the tray; without one (GNOME without
AppIndicator) the window is the app and closing it quits (asking first while indexing).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QSystemTrayIcon

from desktop_search.core.engine import Engine, model_locations
from desktop_search.core.errors import UserError
from desktop_search.core.indexer import REEMBEDDING, IndexProgress
from desktop_search.core.live import LiveState
from desktop_search.core.model.provision import find_installed
from desktop_search.core.paths import AppPaths
from desktop_search.core.settings import Settings, save_settings
from desktop_search.ui import desktop
from desktop_search.ui.first_run import FirstRunDialog, suggested_folders
from desktop_search.ui.icons import app_icon
from desktop_search.ui.model_download import ModelDownload, ModelPanel
from desktop_search.ui.settings_dialog import SettingsDialog
from desktop_search.ui.single_instance import SingleInstance, send_to_running, server_name
from desktop_search.ui.status import ProblemsDialog
from desktop_search.ui.tray import Tray
from desktop_search.ui.window import SearchWindow
from desktop_search.ui.worker import (
    IndexWorker,
    SearchRunner,
    describe_state,
    eta_text,
    freeze_startup_objects,
    make_interpreter_responsive,
)

log = logging.getLogger(__name__)

QUIT_TIMEOUT_MS = 1500  # the indexer checkpoints within this; the process exits within 2 s
QUIT_WITHIN_S = 1.9


class _Window(SearchWindow):
    """The search window as the app uses it: closing it hides to the tray or quits."""

    def __init__(self, controller: AppController, *args: object) -> None:
        super().__init__(*args)  # type: ignore[arg-type]
        self.controller = controller

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.controller.closing_window_quits() and not self.controller.confirm_quit():
            event.ignore()
            return
        event.accept()
        if self.controller.closing_window_quits():
            self.controller.quit()


class AppController(QObject):
    """Owns the parts; every cross-part decision is here."""

    def __init__(self, app: QApplication, engine: Engine, use_tray: bool | None = None) -> None:
        super().__init__()
        self.app = app
        self.engine = engine
        self.runner = SearchRunner(engine, self)
        self.worker = self._make_worker()
        self.settings = engine.settings  # what the user chose last (the indexer takes it soon)
        self.roots = [root for _, root in engine.roots()]
        self.window = _Window(self, self.runner, self.roots)
        self.problems_dialog: ProblemsDialog | None = None
        self.last_state: LiveState | None = None
        self.quitting = False
        self.started = False
        has_tray = QSystemTrayIcon.isSystemTrayAvailable() if use_tray is None else use_tray
        self.tray: Tray | None = Tray(self) if has_tray else None
        app.setQuitOnLastWindowClosed(self.tray is None)
        self.window.settings_requested.connect(self.open_settings)
        self.window.add_folder_requested.connect(self.choose_folder)
        self.window.problems_requested.connect(self.open_problems)
        if self.tray is not None:
            self.tray.open_requested.connect(self.show_window)
            self.tray.pause_toggled.connect(self.set_paused)
            self.tray.settings_requested.connect(self.open_settings)
            self.tray.quit_requested.connect(self.quit)
        app.aboutToQuit.connect(self.shutdown)
        self.problem_timer = QTimer(self, interval=5000)
        self.problem_timer.timeout.connect(self.refresh_problem_count)
        self.download = ModelDownload(model_locations(engine.paths), self)
        self.download.finished.connect(self.model_installed)
        self.download.failed.connect(self._download_failed)

    def _make_worker(self) -> IndexWorker:
        worker = IndexWorker(self.engine, self)
        worker.progress.connect(self.on_progress)
        worker.state_changed.connect(self.on_state)
        return worker

    def start(self, show_window: bool = True) -> None:
        self.started = True
        if self.tray is not None:
            self.tray.show()
        self.worker.start()
        self.problem_timer.start()
        self.refresh_problem_count()
        if show_window:
            self.show_window()

    # -- window ---------------------------------------------------------------------------
    @Slot()
    def show_window(self) -> None:
        self.window.show()
        self.window.setWindowState(self.window.windowState() & ~Qt.WindowState.WindowMinimized)
        self.window.raise_()
        self.window.activateWindow()
        self.window.focus_field()

    def toggle_window(self) -> None:
        if self.window.isVisible() and self.window.isActiveWindow():
            self.window.hide()
        else:
            self.show_window()

    @Slot(str)
    def on_message(self, message: str) -> None:
        {"show": self.show_window, "toggle": self.toggle_window, "quit": self.quit}[message]()

    def closing_window_quits(self) -> bool:
        return self.tray is None and not self.quitting

    def confirm_quit(self) -> bool:
        """Without a tray, closing the window quits: ask first while files are being read."""
        state = self.last_state
        if state is None or not (state.pending or state.busy):
            return True
        answer = QMessageBox.question(
            self.window,
            "Quit Desktop Search?",
            "Files are still being indexed. Quit anyway? Indexing continues where it stopped "
            "the next time you open Desktop Search.",
        )
        return answer == QMessageBox.StandardButton.Yes

    # -- indexing -------------------------------------------------------------------------
    @Slot(object)
    def on_progress(self, progress: IndexProgress) -> None:
        self.window.index_status.show_progress(progress)
        indexing = progress.done < progress.total and progress.phase != "finish"
        line = eta_text(progress) if indexing else ""
        self.window.set_indexing_line(line, reembedding=progress.phase == REEMBEDDING)
        if self.tray is not None and line:
            self.tray.show_progress_line(line)

    @Slot(object)
    def on_state(self, state: LiveState) -> None:
        self.last_state = state
        self.window.index_status.show_state(state)
        if not (state.pending or state.busy) or state.paused or state.error:
            self.window.set_indexing_line("")
        if self.tray is not None:
            self.tray.show_state(state)

    @Slot(bool)
    def set_paused(self, paused: bool) -> None:
        self.worker.pause() if paused else self.worker.resume()

    def add_folders(self, folders: list[Path]) -> None:
        self.worker.live.add_roots(folders)
        self.roots += [f.resolve() for f in folders if f.resolve() not in self.roots]
        self.window.set_roots(self.roots)

    @Slot()
    def choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self.window, "Add a folder to search", str(Path.home()))
        if chosen:
            self.add_folders([Path(chosen)])

    @Slot()
    def refresh_problem_count(self) -> None:
        self.runner.fetch(
            lambda: len(self.engine.reads.problem_files(100_000)), self.window.index_status.show_problem_count
        )

    @Slot()
    def open_problems(self) -> None:
        if self.problems_dialog is None:
            self.problems_dialog = ProblemsDialog(self.window)
            self.problems_dialog.retry_requested.connect(self.retry)
        dialog = self.problems_dialog
        self.runner.fetch(lambda: self.engine.reads.problem_files(), dialog.set_problems)
        dialog.show()
        dialog.raise_()

    @Slot(object)
    def retry(self, paths: list[str] | None) -> None:
        self.worker.live.retry_problems(paths)
        if self.problems_dialog is not None:
            QTimer.singleShot(3000, self.open_problems)

    # -- settings and first run ------------------------------------------------------------
    def first_run(self) -> bool:
        """Ask for folders when there are none; True when the user chose some."""
        panel = ModelPanel(self.download, self.settings.model, self.model_is_installed)
        dialog = FirstRunDialog(self.engine.scan_rules(), panel, suggested_folders())
        dialog.setWindowIcon(app_icon())
        if dialog.exec() != FirstRunDialog.DialogCode.Accepted or not dialog.folders():
            return False
        self.add_folders(dialog.folders())
        return True

    @Slot()
    def open_settings(self) -> None:
        self.runner.fetch(self._in_use_text, self._show_settings)

    def _in_use_text(self) -> str:
        status = self.engine.status()
        model, provider = status.model, status.provider
        text = f"{model.name} ({model.variant}) on {provider.active}, {provider.threads} threads"
        if provider.fallback_reason:
            text += f" — {provider.fallback_reason}"
        return text  # a model that is not installed: the Model tab's download panel says so

    def _show_settings(self, in_use: str) -> None:
        dialog = SettingsDialog(
            self.settings,
            self.roots,
            in_use,
            desktop.start_at_login_enabled(),
            self.window,
            download=self.download,
            is_installed=self.model_is_installed,
        )
        if dialog.exec() != SettingsDialog.DialogCode.Accepted:
            return
        added, removed = dialog.folder_changes()
        for folder in removed:
            self.worker.live.forget(folder)
            self.roots = [r for r in self.roots if r != folder]
        if added:
            self.add_folders(added)
        self.window.set_roots(self.roots)
        if dialog.start_at_login.isChecked() != desktop.start_at_login_enabled():
            try:
                desktop.set_start_at_login(dialog.start_at_login.isChecked())
            except OSError as exc:
                QMessageBox.warning(self.window, "Start at login", f"Could not change the login item: {exc}")
        new = dialog.settings()
        if new != self.settings:
            self.apply_settings(new)

    def model_is_installed(self, name: str) -> bool:
        return find_installed(model_locations(self.engine.paths), name) is not None

    @Slot(str)
    def model_installed(self, name: str) -> None:
        """A download finished: if it is the model the settings ask for, the indexer starts
        reading the files with it (the current index serves until that is done)."""
        if name != self.settings.model:
            self._notify(f"{name} is installed; choose it in Settings → Model to use it.")
            return
        log.info("Switching to the downloaded model %s", name)
        self._notify(
            f"{name} is installed. Your files are read with it in the background; "
            "search works as before meanwhile."
        )
        self.apply_settings(self.settings)  # before the first start: the indexer starts with it

    @Slot(str, str)
    def _download_failed(self, name: str, message: str) -> None:
        sentence = message if message.endswith((".", "?", "!")) else f"{message}."
        self._notify(f"The download of {name} did not finish. {sentence} Try again in Settings → Model.")

    def _notify(self, text: str) -> None:
        """A tray notice for news from the background, unless a dialog (whose model panel
        says it already) is open."""
        if self.tray is not None and QApplication.activeModalWidget() is None:
            self.tray.notify(text)

    def apply_settings(self, settings: Settings) -> None:
        """Save, and hand them to the indexer, which takes them between two batches (the
        window never waits for it; the old index serves meanwhile). An indexer that stopped
        on an error starts again with them."""
        save_settings(self.engine.paths.settings_file, settings)
        self.settings = settings
        self.worker.live.apply_settings(settings)
        if self.started and not self.worker.is_running():
            paused = self.worker.paused
            self.worker.deleteLater()
            self.worker = self._make_worker()
            if paused:
                self.worker.pause()
            self.worker.start()

    # -- quitting -------------------------------------------------------------------------
    @Slot()
    def quit(self) -> None:
        self.quitting = True
        self.app.quit()

    @Slot()
    def shutdown(self) -> None:
        """On aboutToQuit: stop searches, the indexer (it checkpoints) and a download, within 2 s."""
        started = time.monotonic()
        self.problem_timer.stop()
        self.download.cancel()  # what it fetched so far is resumed next time
        self.window.hide()
        if self.tray is not None:
            self.tray.hide()
        self.runner.shutdown(300)
        if not self.worker.stop_and_wait(QUIT_TIMEOUT_MS):
            log.warning("The indexer did not stop in time; the queue resumes at the next start")
        # Told first, the download stopped meanwhile: a model being prepared ends its child
        # process within 0.1 s. One waiting on the network is a daemon thread and just goes.
        self.download.wait(max(0.0, QUIT_WITHIN_S - (time.monotonic() - started)))


def run_app(paths: AppPaths, background: bool = False, message: str = "show") -> int:
    """Start the GUI on this data dir (or wake the one already running); the exit code."""
    make_interpreter_responsive()
    QApplication.setApplicationName("Desktop Search")
    QApplication.setDesktopFileName("desktop-search")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setWindowIcon(app_icon())
    name = server_name(paths)
    if send_to_running(name, "show" if background else message):
        log.info("Desktop Search is already running; asked it to %s", message)
        return 0
    if message == "quit":
        return 0  # nothing running to quit
    if message == "toggle":  # a hotkey's command: it never starts a second way into the app
        raise UserError("Desktop Search is not running: start it with `desktop-search` (or from the menu)")
    instance = SingleInstance(name)
    if not instance.listen():
        log.warning("Could not listen for other launches: %s", instance.server.errorString())
    try:
        engine = Engine.open_profile(paths)
    except UserError as exc:
        QMessageBox.critical(None, "Desktop Search", str(exc))
        raise
    controller = AppController(app, engine)
    instance.message_received.connect(controller.on_message)
    if not controller.roots and not background:
        controller.first_run()
    controller.start(show_window=not background or controller.tray is None)
    freeze_startup_objects()
    log.info("Ready: %s", describe_state(controller.worker.live.state()))
    code = app.exec()
    instance.close()
    if controller.worker.is_running():
        # Still inside a batch after the quit deadline: leave now. Every write is a
        # transaction and the queue is persistent, so the next start resumes from here.
        log.warning("Exiting while the indexer finishes a batch; it resumes at the next start")
        logging.shutdown()
        os._exit(int(code))
    engine.close()
    return int(code)
