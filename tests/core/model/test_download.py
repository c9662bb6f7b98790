"""Model download: resumable and checksummed, against a real HTTP server on loopback."""

from __future__ import annotations

import hashlib
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from desktop_search.core.errors import ModelUnavailableError
from desktop_search.core.model.download import download_file

PAYLOAD = bytes(range(256)) * 4096  # 1 MiB


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
    download_file(server, tmp_path / "model.onnx", lambda done, total: seen.append((done, total)))
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
