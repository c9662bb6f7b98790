"""Downloading a model from Settings (first run shows the same panel): progress, stop and
resume, a clear failure — against a loopback "Hub" serving the real offline model's files."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import shiboken6

from desktop_search.core.model.manifest import read_manifest
from desktop_search.core.model.provision import ModelLocations, ResolvedModel, find_installed
from desktop_search.core.model.registry import BGE_SMALL, MINILM, OFFLINE_FALLBACK
from desktop_search.core.settings import Settings
from desktop_search.ui.model_download import ModelDownload
from desktop_search.ui.settings_dialog import SettingsDialog
from tests.hub_mirror import HubMirror


def _settings_with_download(
    qtbot, tmp_path: Path, download: ModelDownload | None = None
) -> tuple[SettingsDialog, ModelDownload, ModelLocations]:
    locations = ModelLocations(bundled_dir=tmp_path / "none", user_dir=tmp_path / "models")
    download = download or ModelDownload(locations)
    dialog = SettingsDialog(
        Settings(model=BGE_SMALL.name),
        [],
        f"{OFFLINE_FALLBACK} (int8) on CPU",
        False,
        download=download,
        is_installed=lambda name: find_installed(locations, name) is not None,
    )
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog, download, locations


def test_settings_downloads_the_missing_model_with_progress(
    qtbot, hub_mirror: HubMirror, tmp_path: Path
) -> None:
    dialog, download, locations = _settings_with_download(qtbot, tmp_path)
    panel = dialog.model_panel
    assert panel is not None
    assert panel.status.text().startswith(f"{BGE_SMALL.name} is not installed; the offline model")
    assert "127.0.0.1" in panel.status.text()  # where it would come from: the user's HF_ENDPOINT
    assert panel.download_button.isVisibleTo(panel) and panel.download_button.text() == "Download (133 MB)"
    assert not panel.bar.isVisibleTo(panel)

    seen: list[tuple[int, int]] = []
    download.progress.connect(lambda _name, done, total: seen.append((done, total)))
    with qtbot.waitSignal(download.finished, timeout=120_000) as finished:
        panel.download_button.click()
        assert panel.bar.isVisibleTo(panel) and panel.stop_button.isVisibleTo(panel)
        assert not panel.download_button.isVisibleTo(panel)
    assert finished.args == [BGE_SMALL.name]
    size = (hub_mirror.folder / "model.onnx").stat().st_size
    assert seen[-1] == (size, size) and len(seen) > 10
    installed = find_installed(locations, BGE_SMALL.name)
    assert installed is not None
    assert installed.manifest.sha256 == read_manifest(hub_mirror.folder).sha256  # the served bytes
    assert panel.status.text() == f"{BGE_SMALL.name} is installed."
    assert not panel.bar.isVisibleTo(panel) and not panel.download_button.isVisibleTo(panel)
    # The other model in the list has its own state.
    dialog.model.setCurrentIndex(dialog.model.findData(MINILM.name))
    # (Not exported yet here, but its PyPI package is installed: nothing to download.)
    assert panel.status.text() == (
        f"{MINILM.name} comes with Desktop Search; it is prepared from its package the first time "
        "it is used (about 10 s)."
    )
    assert not panel.download_button.isVisibleTo(panel)


def test_a_stopped_download_resumes_where_it_stopped(
    qtbot, offline_model: ResolvedModel, monkeypatch, tmp_path: Path
) -> None:
    with HubMirror(offline_model.folder, seconds_per_block=0.02) as mirror:
        monkeypatch.setenv("HF_ENDPOINT", mirror.url)
        dialog, download, locations = _settings_with_download(qtbot, tmp_path)
        panel = dialog.model_panel
        assert panel is not None
        panel.download_button.click()
        qtbot.waitUntil(lambda: download.last_progress[0] > 0, timeout=30_000)
        # Settings opened again meanwhile shows the download going on.
        again, _same, _ = _settings_with_download(qtbot, tmp_path, download)
        assert again.model_panel is not None and again.model_panel.bar.isVisibleTo(again.model_panel)
        assert again.model_panel.status.text() == f"Downloading {BGE_SMALL.name}…"
        again.reject()
        with qtbot.waitSignal(download.cancelled, timeout=30_000):
            panel.stop_button.click()
        assert panel.status.text() == f"Download of {BGE_SMALL.name} stopped; it continues where it left off."
        assert panel.download_button.isVisibleTo(panel) and panel.download_button.text() == "Resume download"
        assert find_installed(locations, BGE_SMALL.name) is None
        part = locations.user_dir / f".{BGE_SMALL.name}.download" / "model.onnx.part"
        kept = part.stat().st_size
        assert kept > 0

        # The app started again: Settings knows what the stopped download kept.
        restarted, download, _ = _settings_with_download(qtbot, tmp_path, ModelDownload(locations))
        panel = restarted.model_panel
        assert panel is not None
        assert panel.status.text().startswith(
            f"{BGE_SMALL.name} is not installed; the offline model {OFFLINE_FALLBACK} is used meanwhile. "
            f"{kept / 1e6:.1f} of 133 MB were downloaded before it stopped; the rest comes from 127.0.0.1:"
        )
        assert panel.download_button.text() == "Resume download"
        mirror.seconds_per_block = 0
        with qtbot.waitSignal(download.finished, timeout=120_000):
            panel.download_button.click()
    model_requests = [r for path, r in mirror.requests if path.endswith("model.onnx")]
    assert model_requests[-1] == f"bytes={kept}-"
    assert find_installed(locations, BGE_SMALL.name) is not None


def test_preparing_can_be_stopped_and_resumes_without_downloading_again(
    qtbot, hub_mirror: HubMirror, tmp_path: Path
) -> None:
    dialog, download, locations = _settings_with_download(qtbot, tmp_path)
    panel = dialog.model_panel
    assert panel is not None
    panel.download_button.click()
    qtbot.waitUntil(lambda: panel.status.text() == f"Preparing {BGE_SMALL.name}…", timeout=60_000)
    assert panel.stop_button.isVisibleTo(panel) and panel.bar.isVisibleTo(panel)
    with qtbot.waitSignal(download.cancelled, timeout=30_000):
        panel.stop_button.click()
    assert panel.status.text() == f"Preparing {BGE_SMALL.name} stopped; the downloaded files are kept."
    assert panel.download_button.text() == "Resume download"
    assert find_installed(locations, BGE_SMALL.name) is None
    served = len(hub_mirror.requests)
    with qtbot.waitSignal(download.finished, timeout=120_000):
        panel.download_button.click()
    assert len(hub_mirror.requests) == served  # the kept files were used
    installed = find_installed(locations, BGE_SMALL.name)
    assert installed is not None and panel.status.text() == f"{BGE_SMALL.name} is installed."


def test_a_failed_download_says_why_and_offers_to_try_again(qtbot, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens there
    dialog, download, _locations = _settings_with_download(qtbot, tmp_path)
    panel = dialog.model_panel
    assert panel is not None
    with qtbot.waitSignal(download.failed, timeout=60_000):
        panel.download_button.click()
    assert panel.status.text().startswith("The download stopped: Cannot reach 127.0.0.1:9")
    assert panel.status.text().endswith("are you offline?")
    assert panel.download_button.isVisibleTo(panel) and panel.download_button.text() == "Try again"
    assert not panel.bar.isVisibleTo(panel)


def test_showing_the_panel_loads_no_network_code() -> None:
    """urllib.request pulls in http.client and ssl (~6 MB the app would keep): only a
    download the user starts imports them."""
    code = (
        "import sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from pathlib import Path\n"
        "from desktop_search.core.model.provision import ModelLocations\n"
        "from desktop_search.ui.model_download import ModelDownload, ModelPanel\n"
        "app = QApplication([])\n"
        "panel = ModelPanel(ModelDownload(ModelLocations(Path('/nonexistent'), Path('/nonexistent'))),"
        " 'bge-small-en-v1.5', lambda _n: False)\n"
        "assert 'huggingface.co' in panel.status.text(), panel.status.text()\n"
        "print(sorted(m for m in ('urllib.request', 'http.client', 'ssl') if m in sys.modules))\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("HF_ENDPOINT", None)
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_download_outliving_its_app_ends_quietly(
    qtbot, offline_model: ResolvedModel, monkeypatch, tmp_path: Path
) -> None:
    failures: list[threading.ExceptHookArgs] = []
    monkeypatch.setattr(threading, "excepthook", failures.append)
    with HubMirror(offline_model.folder, seconds_per_block=0.02) as mirror:
        monkeypatch.setenv("HF_ENDPOINT", mirror.url)
        download = ModelDownload(ModelLocations(tmp_path / "none", tmp_path / "models"))
        assert download.start(BGE_SMALL.name)
        qtbot.waitUntil(lambda: download.last_progress[0] > 0, timeout=30_000)
        shiboken6.delete(download)  # the C++ side goes, as when the app is torn down
        assert download.wait(30)  # (a Python method: it outlives the C++ side) the thread ended
    assert failures == []
