"""A reconciliation scan of a large folder in which nothing changed.

    python -m bench.rescan [--files 50000]

Creates `--files` small text files (500 distinct texts, so the first index embeds only
500 passages), indexes them, then times a second `index` run of the unchanged folder and
counts the file contents it read (calls into extraction; 0 expected: the scan compares
size, mtime_ns and inode only). Run it under `strace -f -e trace=openat` to see the same
at the OS level.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import desktop_search.core.indexer as indexer_module
from bench.scratch import scratch_dir
from desktop_search.core.engine import Engine
from desktop_search.core.extract import ExtractedDocument, extract
from desktop_search.core.model.registry import OFFLINE_FALLBACK
from desktop_search.core.paths import AppPaths
from desktop_search.core.settings import Settings

log = logging.getLogger("bench.rescan")
TOPICS = "rivers mountains cooking taxes gardening astronomy music football poetry chemistry".split()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, default=50_000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    work = scratch_dir("ds-rescan-")
    folder = work / "files"
    for i in range(args.files):
        sub = folder / f"d{i // 1000:03d}"
        if i % 1000 == 0:
            sub.mkdir(parents=True)
        variant = i % 500
        topics = f"{TOPICS[variant % 10]} and {TOPICS[(variant // 10) % 10]}"
        (sub / f"f{i:06d}.txt").write_text(f"Note {variant} about {topics}, number {variant}.")
    engine = Engine.open(AppPaths(work / "data"), Settings(model=OFFLINE_FALLBACK, threads=2))
    roots = engine.add_roots([folder])
    started = time.monotonic()
    first = engine.index(roots)
    log.info(
        "first index: %d files in %.0f s (%d passages embedded, %d reused)",
        first.files_indexed, time.monotonic() - started, first.chunks_embedded, first.chunks_reused,
    )  # fmt: skip
    reads = 0
    real_extract = extract

    def counting_extract(path: Path, max_bytes: int) -> ExtractedDocument:
        nonlocal reads
        reads += 1
        return real_extract(path, max_bytes)

    setattr(indexer_module, "extract", counting_extract)  # noqa: B010  (count every read)
    timings = []
    for _ in range(3):
        started = time.monotonic()
        report = engine.index(roots)
        timings.append(time.monotonic() - started)
    log.info(
        "no-change rescan of %d files: %s s (3 runs); files read: %d; unchanged: %d; embedded: %d",
        report.files_unchanged, ", ".join(f"{t:.2f}" for t in timings), reads, report.files_unchanged,
        report.chunks_embedded,
    )  # fmt: skip
    engine.close()


if __name__ == "__main__":
    main()
