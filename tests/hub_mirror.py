"""A loopback HTTP server laid out as the Hugging Face Hub (``/<repo>/resolve/main/<file>``),
serving a real model folder's files for every repo asked for: downloads are tested against
real bytes, real HTTP (ranges, checksums in ``X-Linked-Etag``) and no network."""

from __future__ import annotations

import hashlib
import http.server
import threading
import time
from pathlib import Path
from types import TracebackType

# Hub file name -> file in the served model folder.
SERVED = {"tokenizer.json": "tokenizer.json", "onnx/model.onnx": "model.onnx"}
BLOCK = 256 * 1024


class HubMirror:
    """Serves ``folder``; ``seconds_per_block`` slows it down (to stop a download midway)."""

    def __init__(self, folder: Path, seconds_per_block: float = 0.0) -> None:
        self.folder = folder
        self.seconds_per_block = seconds_per_block
        self.requests: list[tuple[str, str | None]] = []  # (path, Range header)
        self._sha256 = {
            name: hashlib.sha256((folder / file).read_bytes()).hexdigest() for name, file in SERVED.items()
        }
        mirror = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                mirror._serve(self)

            def log_message(self, *args: object) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def _serve(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        requested = handler.headers.get("Range")
        self.requests.append((handler.path, requested))
        parts = handler.path.lstrip("/").split("/resolve/main/", 1)
        name = parts[1] if len(parts) == 2 else ""
        if name not in SERVED:
            handler.send_response(404)
            handler.end_headers()
            return
        data = (self.folder / SERVED[name]).read_bytes()
        start = int(requested.split("=")[1].rstrip("-")) if requested else 0
        if start >= len(data):
            handler.send_response(416)
            handler.end_headers()
            return
        body = memoryview(data)[start:]
        handler.send_response(206 if requested else 200)
        handler.send_header("Content-Length", str(len(body)))
        handler.send_header("X-Linked-Etag", f'"{self._sha256[name]}"')
        handler.end_headers()
        try:
            for offset in range(0, len(body), BLOCK):
                handler.wfile.write(body[offset : offset + BLOCK])
                if self.seconds_per_block:
                    time.sleep(self.seconds_per_block)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped (a cancelled download)

    def __enter__(self) -> HubMirror:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
