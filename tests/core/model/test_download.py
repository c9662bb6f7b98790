"""Model download: resumable, cancellable and checksummed, against a real HTTP server on loopback."""

from __future__ import annotations

import hashlib
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from desktop_search.core.errors import DownloadCancelledError, ModelUnavailableError
from desktop_search.core.model.download import download_file
from desktop_search.core.model.embed import Embedder
from desktop_search.core.model.manifest import read_manifest
from desktop_search.core.model.provision import ModelLocations, fetch_model, find_installed
from desktop_search.core.model.registry import MINILM
from desktop_search.core.progress import Progress
from tests.hub_mirror import HubMirror
from tests.processes import HAS_PROC, processes_naming

PAYLOAD = bytes(range(256)) * 4096 * 3  # 3 MiB: three of the downloader's 1 MiB blocks


class _Handler(http.server.BaseHTTPRequestHandler):
    payload = PAYLOAD
    etag = hashlib.sha256(PAYLOAD).hexdigest()
    ranges: ClassVar[list[str | None]] = []

    def do_GET(self) -> None:
        requested = self.headers.get("Range")
        type(self).ranges.append(requested)
        start = int(requested.split("=")[1].rstrip("-")) if requested else 0
        if start >= len(self.payload):
            self.send_response(416)
            self.end_headers()
            return
        body = self.payload[start:]
        self.send_response(206 if requested else 200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Linked-Etag", f'"{self.etag}"')
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    _Handler.ranges = []
    _Handler.etag = hashlib.sha256(PAYLOAD).hexdigest()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/model.onnx"
    httpd.shutdown()


def test_download_with_progress_and_checksum(server: str, tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    download_file(server, tmp_path / "model.onnx", lambda step: seen.append((step.done, step.total)))
    assert (tmp_path / "model.onnx").read_bytes() == PAYLOAD
    assert seen[-1] == (len(PAYLOAD), len(PAYLOAD))
    assert not (tmp_path / "model.onnx.part").exists()


def test_partial_download_resumes(server: str, tmp_path: Path) -> None:
    (tmp_path / "model.onnx.part").write_bytes(PAYLOAD[:300_000])
    download_file(server, tmp_path / "model.onnx")
    assert _Handler.ranges == ["bytes=300000-"]
    assert (tmp_path / "model.onnx").read_bytes() == PAYLOAD


def test_checksum_mismatch_removes_the_file(server: str, tmp_path: Path) -> None:
    _Handler.etag = "0" * 64
    with pytest.raises(ModelUnavailableError, match="Checksum mismatch"):
        download_file(server, tmp_path / "model.onnx")
    assert not (tmp_path / "model.onnx").exists() and not (tmp_path / "model.onnx.part").exists()


def test_unreachable_host_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailableError, match="offline"):
        download_file("http://127.0.0.1:9/model.onnx", tmp_path / "model.onnx")


def test_a_cancelled_download_keeps_its_part_and_the_retry_resumes(server: str, tmp_path: Path) -> None:
    seen: list[int] = []
    with pytest.raises(DownloadCancelledError):
        download_file(
            server, tmp_path / "model.onnx", lambda step: seen.append(step.done), lambda: bool(seen)
        )
    kept = (tmp_path / "model.onnx.part").stat().st_size
    assert 0 < kept < len(PAYLOAD) and not (tmp_path / "model.onnx").exists()
    download_file(server, tmp_path / "model.onnx")
    assert _Handler.ranges[-1] == f"bytes={kept}-"
    assert (tmp_path / "model.onnx").read_bytes() == PAYLOAD


def test_fetch_installs_a_working_model_from_the_users_mirror(hub_mirror: HubMirror, tmp_path: Path) -> None:
    locations = ModelLocations(bundled_dir=tmp_path / "none", user_dir=tmp_path / "models")
    progress: list[tuple[int, int]] = []
    fetched = fetch_model(locations, MINILM.name, lambda step: progress.append((step.done, step.total)))

    served = hub_mirror.folder / "model.onnx"
    assert {path for path, _ in hub_mirror.requests} == {
        f"/{MINILM.hub_repo}/resolve/main/tokenizer.json",
        f"/{MINILM.hub_repo}/resolve/main/onnx/model.onnx",
    }
    assert progress[-1] == (served.stat().st_size, served.stat().st_size)
    assert fetched.manifest.source.startswith(hub_mirror.url)
    found = find_installed(locations, MINILM.name)
    assert found is not None and found.folder == tmp_path / "models" / MINILM.name
    assert not list((tmp_path / "models").glob(".*.download"))  # the partial folder became the model
    # The downloaded model embeds as the original does.
    original = read_manifest(hub_mirror.folder)
    mine = Embedder(found.folder, found.manifest, provider="cpu", threads=1)
    theirs = Embedder(hub_mirror.folder, original, provider="cpu", threads=1)
    text = "heat transfer in a laminar boundary layer"
    assert float(mine.embed_query(text) @ theirs.embed_query(text)) > 0.9999


def test_a_cancelled_fetch_leaves_no_model_and_resumes(hub_mirror: HubMirror, tmp_path: Path) -> None:
    locations = ModelLocations(bundled_dir=tmp_path / "none", user_dir=tmp_path / "models")
    progress: list[int] = []
    with pytest.raises(DownloadCancelledError):
        fetch_model(locations, MINILM.name, lambda step: progress.append(step.done), lambda: bool(progress))
    assert find_installed(locations, MINILM.name) is None
    fetch_model(locations, MINILM.name)
    ranges = [r for path, r in hub_mirror.requests if path.endswith("model.onnx")]
    assert ranges[0] is None and ranges[-1] == f"bytes={progress[0]}-"
    assert find_installed(locations, MINILM.name) is not None


@pytest.mark.skipif(not HAS_PROC, reason="reads /proc")
def test_stopping_while_preparing_ends_the_child_and_the_resume_downloads_nothing(
    hub_mirror: HubMirror, tmp_path: Path
) -> None:
    locations = ModelLocations(bundled_dir=tmp_path / "none", user_dir=tmp_path / "models")
    partial = tmp_path / "models" / f".{MINILM.name}.download"
    fetched = threading.Event()
    children: list[list[int]] = []

    def stop_once_fetched() -> bool:
        """Stop once the files are in and the preparing step's child shows in the process list
        (under load it can take a few polls to appear)."""
        running = processes_naming(str(partial)) if fetched.is_set() else []
        if running:
            children.append(running)
        return bool(running)

    def progress(step: Progress) -> None:
        if step.done == step.total:
            fetched.set()

    with pytest.raises(DownloadCancelledError):
        fetch_model(locations, MINILM.name, progress, stop_once_fetched)
    assert children, "the int8 child was running when the stop came"
    assert processes_naming(str(partial)) == []  # ended, not left to write into the folder
    assert find_installed(locations, MINILM.name) is None
    kept = read_manifest(partial, verify_checksum=True)  # the verified fp32 download is kept
    assert kept.variants == () and not (partial / "model_int8.onnx").exists()
    served = len(hub_mirror.requests)

    progress: list[tuple[int, int]] = []
    resumed = fetch_model(locations, MINILM.name, lambda step: progress.append((step.done, step.total)))
    assert len(hub_mirror.requests) == served  # nothing fetched again
    size = (hub_mirror.folder / "model.onnx").stat().st_size
    assert progress == [(size, size)]  # the panel goes straight to "Preparing"
    assert [variant.name for variant in resumed.manifest.variants] == ["int8"]
    assert find_installed(locations, MINILM.name) is not None and not partial.exists()
