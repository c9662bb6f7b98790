"""From a file written into a watched folder to that file found by search.

    python -m bench.watch_latency [--files 30] [--copies 3]

Builds an index of >= 10k chunks (Cranfield + MED documents, written `--copies` times: the
copies reuse vectors by content hash, so only ~4.2k passages are embedded), starts the live
indexer with the app's default 1 s quiet period, then writes new files (ADI documents, not
in the index) one at a time and polls search with each file's opening words until the file
is in the top 10. Prints p50/p95 of write -> found.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

from bench.ir import load_collection, write_documents
from bench.scratch import scratch_dir
from bench.search_latency import percentile
from desktop_search.core.engine import Engine
from desktop_search.core.live import LiveIndexer
from desktop_search.core.model.registry import OFFLINE_FALLBACK
from desktop_search.core.paths import AppPaths
from desktop_search.core.settings import Settings

log = logging.getLogger("bench.watch_latency")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, default=30)
    parser.add_argument("--copies", type=int, default=3)
    parser.add_argument("--data-dir", type=Path)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    work = scratch_dir("ds-watch-")
    folder = work / "watched"
    for copy in range(args.copies):
        for name in ("cranfield", "med"):
            write_documents(load_collection(name), folder / f"{name}-{copy}")
    engine = Engine.open(
        AppPaths(args.data_dir or work / "data"), Settings(model=OFFLINE_FALLBACK, threads=2)
    )
    started = time.monotonic()
    report = engine.index(engine.add_roots([folder]))
    log.info(
        "initial index: %d files, %d chunks (%d embedded, %d reused) in %.0f s",
        report.files_indexed, engine.store.chunk_count(), report.chunks_embedded, report.chunks_reused,
        time.monotonic() - started,
    )  # fmt: skip
    live = LiveIndexer(engine)  # the default 1 s quiet period
    live.start()
    live.wait_idle(600)
    new_docs = list(load_collection("adi").documents.items())[: args.files]
    latencies = []
    for doc_id, text in new_docs:
        query = " ".join(text.split()[:12])
        path = folder / "new" / f"adi-{doc_id}.txt"
        path.parent.mkdir(exist_ok=True)
        written = time.monotonic()
        path.write_text(text, encoding="utf-8")
        while time.monotonic() - written < 30:
            if any(r.path == str(path) for r in engine.search(query, limit=10).results):
                latencies.append(time.monotonic() - written)
                break
            time.sleep(0.02)
        else:
            log.info("not found within 30 s: %s", path)
        time.sleep(0.3)
    live.stop()
    log.info(
        "index of %d chunks; write -> found in search over %d files: p50 %.2f s, p95 %.2f s, max %.2f s",
        engine.store.chunk_count(), len(latencies), percentile(latencies, 0.5), percentile(latencies, 0.95),
        max(latencies),
    )  # fmt: skip
    engine.close()


if __name__ == "__main__":
    main()
