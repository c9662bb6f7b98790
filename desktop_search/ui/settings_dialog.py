"""Settings: folders, exclusions, size limit, model and execution provider (showing what is
actually in use), CPU limit, start at login, and the keyboard shortcuts."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_search.core.model.registry import KNOWN_MODELS
from desktop_search.core.settings import PRECISIONS, PROVIDERS, Settings
from desktop_search.ui.folder_list import FolderList
from desktop_search.ui.model_download import ModelDownload, ModelPanel

PROVIDER_LABELS = {"auto": "Automatic", "cpu": "CPU", "coreml": "Core ML (Apple)", "cuda": "CUDA (NVIDIA)"}
PRECISION_LABELS = {"auto": "Automatic", "fp32": "Full (fp32)", "int8": "Compact (int8)"}
SHORTCUTS = [
    ("Type", "search as you type"),
    ("↑ / ↓", "move through the results"),
    ("Enter", "open the file (programs and scripts are shown in their folder instead)"),
    ("Ctrl+Enter", "show the file in its folder"),
    ("Ctrl+C", "copy the file's path"),
    ("Ctrl+M", "more like this"),
    ("Esc", "clear the search; again to hide the window"),
    ("desktop-search --toggle", "show or hide the window (bind it to a key in your system settings)"),
]


class SettingsDialog(QDialog):
    """Edits a copy of the settings and the folder list; ``accepted`` means apply them."""

    folders_changed = Signal(list, list)  # added, removed

    def __init__(
        self,
        settings: Settings,
        folders: list[Path],
        in_use: str,
        start_at_login: bool,
        parent: QWidget | None = None,
        download: ModelDownload | None = None,
        is_installed: Callable[[str], bool] | None = None,
    ) -> None:
        """With ``download`` (and ``is_installed``), the Model tab offers to download the
        chosen model when it is not installed, and shows that download's progress."""
        super().__init__(parent)
        self.download, self.is_installed = download, is_installed
        self.setWindowTitle("Desktop Search Settings")
        self.resize(620, 480)
        self.original = settings
        self.original_folders = list(folders)
        tabs = QTabWidget()
        tabs.addTab(self._folders_tab(folders), "Folders")
        tabs.addTab(self._indexing_tab(settings), "Indexing")
        tabs.addTab(self._model_tab(settings, in_use), "Model")
        tabs.addTab(self._general_tab(start_at_login), "General")
        standard = QDialogButtonBox.StandardButton
        buttons = QDialogButtonBox(standard.Ok | standard.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)
        layout.addWidget(buttons)

    # -- tabs -----------------------------------------------------------------------------
    def _folders_tab(self, folders: list[Path]) -> QWidget:
        page = QWidget()
        self.folder_list = FolderList(folders)
        layout = QVBoxLayout(page)
        layout.addWidget(QLabel("Folders to index (removing one forgets everything indexed from it):"))
        layout.addWidget(self.folder_list, 1)
        return page

    def _indexing_tab(self, settings: Settings) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.exclusions = QPlainTextEdit("\n".join(settings.exclude_patterns))
        self.exclusions.setPlaceholderText(
            "One pattern per line, as in .gitignore, e.g.\n*.log\nnode_modules/"
        )
        form.addRow("Exclude:", self.exclusions)
        self.hidden = QCheckBox("Index hidden files and folders")
        self.hidden.setChecked(settings.index_hidden_files)
        form.addRow("", self.hidden)
        self.ignore_files = QCheckBox("Honour .gitignore and .ignore files")
        self.ignore_files.setChecked(settings.honour_ignore_files)
        form.addRow("", self.ignore_files)
        self.max_size = QDoubleSpinBox(suffix=" MB", minimum=0.1, maximum=2048, decimals=1)
        self.max_size.setValue(settings.max_file_size_mb)
        form.addRow("Largest file to read:", self.max_size)
        self.threads = QSpinBox(minimum=0, maximum=max(os.cpu_count() or 1, 1))
        self.threads.setSpecialValueText("Automatic")
        self.threads.setValue(settings.threads)
        form.addRow("CPU cores for indexing:", self.threads)
        return page

    def _model_tab(self, settings: Settings, in_use: str) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.model = QComboBox()
        for name in KNOWN_MODELS:
            self.model.addItem(name, name)
        if self.model.findData(settings.model) < 0:
            self.model.addItem(settings.model, settings.model)
        self.model.setCurrentIndex(self.model.findData(settings.model))
        form.addRow("Model:", self.model)
        self.model_panel: ModelPanel | None = None
        if self.download is not None and self.is_installed is not None:
            panel = ModelPanel(self.download, settings.model, self.is_installed)
            self.model.currentIndexChanged.connect(lambda _i: panel.set_model(str(self.model.currentData())))
            form.addRow("", panel)
            self.model_panel = panel
        self.provider = QComboBox()
        for provider in PROVIDERS:
            self.provider.addItem(PROVIDER_LABELS[provider], provider)
        self.provider.setCurrentIndex(self.provider.findData(settings.provider))
        form.addRow("Run on:", self.provider)
        self.precision = QComboBox()
        for precision in PRECISIONS:
            self.precision.addItem(PRECISION_LABELS[precision], precision)
        self.precision.setCurrentIndex(self.precision.findData(settings.precision))
        form.addRow("Precision:", self.precision)
        self.in_use = QLabel(in_use)
        self.in_use.setWordWrap(True)
        form.addRow("In use now:", self.in_use)
        note = QLabel(
            "Changing the model re-reads your files in the background; "
            "search keeps using the current index until the new one is ready."
        )
        note.setWordWrap(True)
        form.addRow("", note)
        return page

    def _general_tab(self, start_at_login: bool) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.start_at_login = QCheckBox("Start Desktop Search when I log in (in the background)")
        self.start_at_login.setChecked(start_at_login)
        layout.addWidget(self.start_at_login)
        layout.addWidget(QLabel("<b>Keyboard</b>"))
        rows = "".join(
            f"<tr><td><code>{key}</code>&nbsp;&nbsp;</td><td>{what}</td></tr>" for key, what in SHORTCUTS
        )
        help_text = QLabel(f"<table>{rows}</table>")
        help_text.setWordWrap(True)
        layout.addWidget(help_text)
        layout.addStretch(1)
        return page

    # -- actions --------------------------------------------------------------------------
    def folders(self) -> list[Path]:
        return self.folder_list.folders()

    def folder_changes(self) -> tuple[list[Path], list[Path]]:
        """(added, removed) against the folders the dialog opened with."""
        now = self.folders()
        added = [f for f in now if f not in self.original_folders]
        removed = [f for f in self.original_folders if f not in now]
        return added, removed

    def settings(self) -> Settings:
        """The edited settings (validated by ``Settings``)."""
        patterns = tuple(line.strip() for line in self.exclusions.toPlainText().splitlines() if line.strip())
        return dataclasses.replace(
            self.original,
            model=str(self.model.currentData()),
            provider=str(self.provider.currentData()),
            precision=str(self.precision.currentData()),
            threads=self.threads.value(),
            max_file_size_mb=self.max_size.value(),
            index_hidden_files=self.hidden.isChecked(),
            honour_ignore_files=self.ignore_files.isChecked(),
            exclude_patterns=patterns,
        )
