"""Renaming and moving a 1,000-chunk file under the live indexer: embeddings computed.

    python -m bench.rename

Indexes one large text file (MED documents joined until it makes >= 1,000 chunks), starts
the live indexer, renames the file, then moves it into a subfolder, and counts the texts
that went through the model for each (0 expected: the file keeps its chunks and vectors).
"""

from __future__ import annotations

import logging
import time

from bench.ir import load_collection
from bench.scratch import scratch_dir
from desktop_search.core.engine import Engine
from desktop_search.core.live import LiveIndexer
from desktop_search.core.model.registry import OFFLINE_FALLBACK
from desktop_search.core.paths import AppPaths
from desktop_search.core.settings import Settings

log = logging.getLogger("bench.rename")


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    work = scratch_dir("ds-rename-")
    folder = work / "watched"
    folder.mkdir()
    docs = list(load_collection("med").documents.values())
    text = "\n\n".join(docs)
    big = folder / "medline-abstracts.txt"
    big.write_text(text, encoding="utf-8")
    engine = Engine.open(AppPaths(work / "data"), Settings(model=OFFLINE_FALLBACK, threads=2))
    report = engine.index(engine.add_roots([folder]))
    chunks = engine.store.chunk_count()
    log.info(
        "indexed %s: %d chars, %d chunks, %d embedded", big.name, len(text), chunks, report.chunks_embedded
    )
    embedder = engine.make_indexer().embedder
    live = LiveIndexer(engine)
    live.start()
    live.wait_idle(120)
    for label, target in (
        ("rename", folder / "abstracts.txt"),
        ("move", folder / "archive" / "abstracts.txt"),
    ):
        target.parent.mkdir(exist_ok=True)
        before = embedder.texts_embedded
        started = time.monotonic()
        big.rename(target)
        while engine.store.file_state(str(target)) is None:
            time.sleep(0.02)
        live.wait_idle(60)
        elapsed = time.monotonic() - started
        log.info(
            "%s of a %d-chunk file: %d texts embedded, index updated in %.2f s, chunks now %d",
            label, chunks, embedder.texts_embedded - before, elapsed, engine.store.chunk_count(),
        )  # fmt: skip
        big = target
    live.stop()
    engine.close()


if __name__ == "__main__":
    main()
