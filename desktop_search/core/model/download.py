"""Download a pre-exported ONNX model from the Hugging Face Hub — only when the user asks.

Resumable (``.part`` files + HTTP Range), checksummed (the Hub's LFS ETag is the file's
sha256), with a plain ``progress(done_bytes, total_bytes)`` callback and a
``should_cancel()`` one. ``HF_ENDPOINT`` (as for the Hugging Face tools) names a mirror.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from desktop_search.core.errors import DownloadCancelledError, ModelUnavailableError
from desktop_search.core.files import sha256_of
from desktop_search.core.model.manifest import (
    MANIFEST_FILE,
    MODEL_FILE,
    TOKENIZER_FILE,
    ModelFolderError,
    ModelManifest,
    partial_download_dir,
    read_manifest,
    write_manifest,
)
from desktop_search.core.model.registry import ModelSpec, hub_url
from desktop_search.core.progress import Progress, ProgressCallback, ShouldCancel, never_cancel

log = logging.getLogger(__name__)

DOWNLOADING = "downloading"  # the progress phase

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _expected_sha256(headers: object) -> str | None:
    for key in ("X-Linked-Etag", "ETag"):
        value = getattr(headers, "get", lambda _k: None)(key)
        if value:
            value = value.strip().strip('"').removeprefix("W/").strip('"')
            if _SHA256.match(value):
                return str(value)
    return None


def download_file(
    url: str,
    target: Path,
    progress: ProgressCallback | None = None,
    should_cancel: ShouldCancel = never_cancel,
) -> None:
    """Fetch ``url`` into ``target``, resuming a previous ``.part``, verifying the sha256.
    Raises ``DownloadCancelledError`` when ``should_cancel()`` turns true (the ``.part`` stays)."""
    part = target.with_name(target.name + ".part")
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": "desktop-search"})
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        response = urllib.request.urlopen(request, timeout=30)
    except urllib.error.HTTPError as exc:
        if exc.code == 416:  # the .part is already complete
            response = None
        else:
            raise ModelUnavailableError(f"Download of {url} failed: HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        host = urllib.parse.urlsplit(url).netloc
        raise ModelUnavailableError(f"Cannot reach {host} ({exc}); are you offline?") from exc
    expected = None
    if response is not None:
        with response:
            expected = _expected_sha256(response.headers)
            if have and response.status != 206:
                have = 0  # server ignored the range: start over
            total = have + int(response.headers.get("Content-Length") or 0)
            with part.open("ab" if have else "wb") as handle:
                done = have
                while block := response.read(1 << 20):
                    if should_cancel():
                        raise DownloadCancelledError(f"Download of {url} stopped at {done:,} bytes")
                    handle.write(block)
                    done += len(block)
                    if progress:
                        progress(Progress(DOWNLOADING, done, total, "bytes"))
    if expected and sha256_of(part) != expected:
        part.unlink(missing_ok=True)
        raise ModelUnavailableError(f"Checksum mismatch for {url}; the partial file was removed")
    os.replace(part, target)


def fetch_from_hub(
    spec: ModelSpec,
    target_dir: Path,
    progress: ProgressCallback | None = None,
    should_cancel: ShouldCancel = never_cancel,
) -> ModelManifest:
    """Download ``spec``'s pre-exported ONNX model and tokenizer into ``target_dir`` and
    prepare its int8 variant; the folder appears only when all of it is complete and verified.
    A stopped call (``DownloadCancelledError``) keeps its work: the next resumes the download,
    or, when the files were all fetched and verified, goes straight to preparing."""
    if not spec.hub_onnx_file:
        raise ModelUnavailableError(f"{spec.name} has no pre-exported ONNX file on the Hub")
    target_dir.parent.mkdir(parents=True, exist_ok=True)
    partial_dir = partial_download_dir(target_dir)
    partial_dir.mkdir(exist_ok=True)
    manifest = _fetched_before(partial_dir)
    if manifest is None:
        manifest = _download_files(spec, partial_dir, progress, should_cancel)
    elif progress:
        size = (partial_dir / MODEL_FILE).stat().st_size
        progress(Progress(DOWNLOADING, size, size, "bytes"))
    if not manifest.variants:
        from desktop_search.core.model.quantize import add_int8_variant_in_child

        if add_int8_variant_in_child(partial_dir, should_cancel=should_cancel):
            manifest = read_manifest(partial_dir)
    if target_dir.exists():
        shutil.rmtree(target_dir)
    os.replace(partial_dir, target_dir)
    log.info("Installed %s as %s", spec.name, manifest.model_id)
    return manifest


def _fetched_before(partial_dir: Path) -> ModelManifest | None:
    """The manifest of a download completed and verified by an earlier, stopped call."""
    if not (partial_dir / MANIFEST_FILE).is_file():
        return None
    try:
        return read_manifest(partial_dir, verify_checksum=True)
    except ModelFolderError as exc:
        log.info("Downloading %s again: %s", partial_dir.name, exc)
        (partial_dir / MANIFEST_FILE).unlink(missing_ok=True)
        return None


def _download_files(
    spec: ModelSpec, partial_dir: Path, progress: ProgressCallback | None, should_cancel: ShouldCancel
) -> ModelManifest:
    hub = hub_url()
    base = f"{hub}/{spec.hub_repo}/resolve/main"
    download_file(f"{base}/{TOKENIZER_FILE}", partial_dir / TOKENIZER_FILE, None, should_cancel)
    download_file(f"{base}/{spec.hub_onnx_file}", partial_dir / MODEL_FILE, progress, should_cancel)
    manifest = ModelManifest(
        name=spec.name,
        source=f"{hub}/{spec.hub_repo} ({spec.hub_onnx_file})",
        dimension=spec.dimension,
        pooling=spec.pooling,
        normalize=spec.normalize,
        query_prefix=spec.query_prefix,
        passage_prefix=spec.passage_prefix,
        max_tokens=spec.max_tokens,
        output_name="last_hidden_state",
        sha256=sha256_of(partial_dir / MODEL_FILE),
        notes="downloaded pre-exported ONNX (fp32)",
    )
    write_manifest(partial_dir, manifest)
    log.info("Downloaded %s as %s", spec.name, manifest.model_id)
    return manifest
