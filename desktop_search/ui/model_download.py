"""Downloading a model from inside the app — the only time it goes online, and only when the
user clicks: ``ModelDownload`` runs one download in a detached task lane; ``ModelPanel`` shows
a model's state (installed, downloadable, downloading, stopped) with its buttons and progress,
in the first-run dialog and in Settings."""

from __future__ import annotations

import logging
import urllib.parse
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop_search.core.errors import DownloadCancelledError, UserError
from desktop_search.core.model.provision import (
    ModelLocations,
    fetch_model,
    kept_download_bytes,
    offline_package_dir,
)
from desktop_search.core.model.registry import OFFLINE_FALLBACK, get_spec, hub_url
from desktop_search.core.progress import Progress
from desktop_search.ui.tasks import Task, TaskRunner

log = logging.getLogger(__name__)


class ModelDownload(QObject):
    """One model download at a time, off the GUI thread. A stopped or failed download keeps
    what it fetched: starting it again resumes."""

    progress = Signal(str, int, int)  # model name, bytes done, bytes in all
    finished = Signal(str)  # model name: installed
    failed = Signal(str, str)  # model name, what went wrong (a sentence for the user)
    cancelled = Signal(str)  # model name

    def __init__(self, locations: ModelLocations, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.locations = locations
        self.name: str | None = None  # the model being downloaded
        self.last_progress: tuple[int, int] = (0, 0)
        self.tasks = TaskRunner(self)
        self._task: Task | None = None
        self._busy = False

    @property
    def running(self) -> bool:
        return self._busy

    def start(self, name: str) -> bool:
        """Start downloading ``name``; False when a download is already running."""
        if self._busy:
            return False
        self._busy = True
        self.name, self.last_progress = name, (0, 0)
        # Detached: quitting never waits for the network; the partial file is resumed later.
        self._task = self.tasks.run(
            "download",
            lambda task: self._fetch(name, task),
            self._ended,
            progress=self._progressed,
            detached=True,
        )
        return True

    def cancel(self) -> None:
        if self._task is not None:
            self._task.stop()

    def kept_bytes(self, name: str) -> int:
        """What an unfinished download of ``name`` (this run's or an earlier one's) kept."""
        return kept_download_bytes(self.locations, name)

    def wait(self, timeout_s: float) -> bool:
        """True when no download is running (any more) after at most ``timeout_s``."""
        if self._task is not None:
            self._task.finished.wait(timeout_s)
        return not self._busy

    def _progressed(self, step: Progress) -> None:
        self.last_progress = (step.done, step.total)
        self.progress.emit(self.name or "", step.done, step.total)

    def _fetch(self, name: str, task: Task) -> tuple[Any, ...]:
        """On the download's thread: the signal to send and its arguments."""
        log.info("Downloading the model %s (asked for by the user)", name)
        outcome: tuple[Any, ...]
        try:
            fetch_model(self.locations, name, task.progress, task.should_cancel)
        except DownloadCancelledError:
            log.info("Download of %s stopped by the user", name)
            outcome = (self.cancelled, name)
        except UserError as exc:
            log.warning("Download of %s failed: %s", name, exc)
            outcome = (self.failed, name, str(exc))
        except OSError as exc:  # the user's disk: full, read-only
            log.warning("Download of %s failed: %s", name, exc)
            outcome = (self.failed, name, f"Could not save the model: {exc.strerror or exc}")
        else:
            log.info("Model %s installed", name)
            outcome = (self.finished, name)
        # Free before telling: whoever hears the outcome may start the next download at once.
        self._busy = False
        return outcome

    def _ended(self, outcome: tuple[Any, ...]) -> None:
        signal, *arguments = outcome
        signal.emit(*arguments)


def _source_host() -> str:
    return urllib.parse.urlsplit(hub_url()).netloc or hub_url()


class ModelPanel(QWidget):
    """A model's state in words, with Download / Stop and a progress bar. ``is_installed``
    answers for a name; the panel follows ``download`` whichever dialog started it."""

    def __init__(
        self,
        download: ModelDownload,
        name: str,
        is_installed: Callable[[str], bool],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.download = download
        self.name = name
        self.is_installed = is_installed
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setTextVisible(True)
        self.download_button = QPushButton()
        self.download_button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.download_button.clicked.connect(self._start)
        self.stop_button = QPushButton("Stop")
        self.stop_button.clicked.connect(download.cancel)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.bar, 1)
        row.addWidget(self.download_button)
        row.addWidget(self.stop_button)
        row.addStretch()  # the button keeps its own width while no bar is shown
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.status)
        layout.addLayout(row)
        download.progress.connect(self._progress)
        download.finished.connect(self._finished)
        download.failed.connect(self._failed)
        download.cancelled.connect(self._cancelled)
        self.set_model(name)

    def set_model(self, name: str) -> None:
        """Show ``name``'s state (the model chosen in the dialog changed)."""
        self.name = name
        if self.download.running and self.download.name == name:
            self._progress(name, *self.download.last_progress)
        elif self.is_installed(name):
            self._show(f"{name} is installed.", button=None)
        else:
            self._not_installed(f"{name} is not installed")

    def _not_installed(self, opening: str) -> None:
        spec = get_spec(self.name)
        if spec is not None and offline_package_dir(spec) is not None:
            self._show(
                f"{self.name} comes with Desktop Search; it is prepared from its package the first "
                "time it is used (about 10 s).",
                button=None,
            )
            return
        if spec is None or not spec.hub_onnx_file:
            self._show(
                f"{opening}. Import it with: desktop-search model import FOLDER",
                button=None,
            )
            return
        meanwhile = (
            f"; the offline model {OFFLINE_FALLBACK} is used meanwhile"
            if self.name != OFFLINE_FALLBACK
            else ""
        )
        kept = self.download.kept_bytes(self.name)
        if kept:  # an earlier download stopped (the app quit, the network went)
            of = f" of {spec.download_mb} MB" if spec.download_mb else ""
            self._show(
                f"{opening}{meanwhile}. {kept / 1e6:.1f}{of} were downloaded before it stopped; "
                f"the rest comes from {_source_host()}.",
                button="Resume download",
            )
            return
        self._show(
            f"{opening}{meanwhile}. Downloading it from {_source_host()} is the only time "
            "Desktop Search goes online.",
            button=f"Download ({spec.download_mb} MB)" if spec.download_mb else "Download",
        )

    def _show(self, text: str, button: str | None, running: bool = False) -> None:
        self.status.setText(text)
        self.download_button.setVisible(button is not None and not running)
        if button is not None:
            self.download_button.setText(button)
        # Another model's download keeps the button from starting a second one.
        self.download_button.setEnabled(not self.download.running)
        self.stop_button.setVisible(running)
        self.bar.setVisible(running)

    @Slot()
    def _start(self) -> None:
        if self.download.start(self.name):
            self._progress(self.name, 0, 0)

    @Slot(str, int, int)
    def _progress(self, name: str, done: int, total: int) -> None:
        if name != self.name:
            return
        if total and done >= total:
            self.bar.setRange(0, 0)  # busy: checking it and preparing the compact variant
            self._show(f"Preparing {name}…", button=None, running=True)
            return
        self.bar.setRange(0, 1000)
        self.bar.setValue(int(1000 * done / total) if total else 0)
        self.bar.setFormat(f"{done / 1e6:.1f} of {total / 1e6:.0f} MB" if total else "Connecting…")
        self._show(f"Downloading {name}…", button=None, running=True)

    @Slot(str)
    def _finished(self, name: str) -> None:
        if name == self.name:
            self._show(f"{name} is installed.", button=None)
        else:
            self.set_model(self.name)

    @Slot(str, str)
    def _failed(self, name: str, message: str) -> None:
        if name == self.name:
            self._show(f"The download stopped: {message}", button="Try again")
        else:
            self.set_model(self.name)

    @Slot(str)
    def _cancelled(self, name: str) -> None:
        if name == self.name:
            done, total = self.download.last_progress
            if total and done >= total:
                text = f"Preparing {name} stopped; the downloaded files are kept."
            else:
                text = f"Download of {name} stopped; it continues where it left off."
            self._show(text, button="Resume download")
        else:
            self.set_model(self.name)
