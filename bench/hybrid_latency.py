"""Hybrid search latency with 100k chunks indexed.

    python -m bench.hybrid_latency [--chunks 100000]

The keyword side needs real text: chunks come from real files (the Python standard library
and installed packages' sources and docs, chunked by the product) stored through the
product's store with its FTS5 triggers. Their vectors are random unit vectors (embedding
100k chunks takes ~45 min on this CPU, and vector values do not change hnswlib's or
SQLite's cost), so this measures speed only, never quality. Queries: the 225 Cranfield
queries plus identifier-style queries; each is timed end to end (parse, query embedding,
hnswlib, FTS5 BM25 on chunks and names, fusion, rare-token checks, snippets), after warm-up.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import sysconfig
import time
from pathlib import Path

import numpy as np

from bench.ir import load_collection
from bench.scratch import scratch_dir
from bench.search_latency import percentile
from desktop_search.core.ann import AnnIndex
from desktop_search.core.chunk import chunk_text
from desktop_search.core.model.embed import Embedder
from desktop_search.core.model.provision import ModelLocations, resolve_model
from desktop_search.core.records import NewChunk
from desktop_search.core.search import Searcher
from desktop_search.core.search_reads import SearchReads
from desktop_search.core.store import Store

log = logging.getLogger("bench.hybrid_latency")


def source_files() -> list[Path]:
    roots = {Path(sysconfig.get_paths()["stdlib"]), Path(sysconfig.get_paths()["purelib"])}
    files: list[Path] = []
    for root in sorted(roots):
        files += sorted(
            p for p in root.rglob("*") if p.suffix in {".py", ".rst", ".txt", ".md"} and p.is_file()
        )
    return files


def store_real_text(store: Store, root: int, model_id: str, dimension: int, count: int) -> tuple[int, int]:
    """Store ``count`` chunks of real text (random unit vectors) under ``root``: (chunks, files)."""
    rng = np.random.default_rng(0)
    total = files = 0
    for number, path in enumerate(source_files()):
        if total >= count:
            break
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        chunks = chunk_text(text)[: count - total]
        if not chunks:
            continue
        vectors = rng.standard_normal((len(chunks), dimension)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        items = [NewChunk(c, "text", v) for c, v in zip(chunks, vectors, strict=True)]
        store.replace_file_chunks(
            root, str(path), (len(text), number, number), str(number), None, items, model_id
        )
        total += len(chunks)
        files += 1
    return total, files


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--model-dir", type=Path, default=Path(".test-cache/models"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    work = scratch_dir("ds-hybrid-")
    resolved = resolve_model(ModelLocations(work / "none", args.model_dir), "all-MiniLM-L6-v2")
    embedder = Embedder(resolved.folder, resolved.manifest, provider="cpu", threads=2)
    store = Store(work / "index.sqlite3")
    started = time.monotonic()
    total, files = store_real_text(
        store, store.add_root("/bench"), embedder.model_id, embedder.dimension, args.chunks
    )
    log.info(
        "stored %d chunks of real text from %d files in %.0f s", total, files, time.monotonic() - started
    )
    ann = AnnIndex(work / "ann", embedder.model_id, embedder.dimension)
    started = time.monotonic()
    ann.open(store)
    log.info("built the hnswlib index in %.0f s", time.monotonic() - started)
    searcher = Searcher(SearchReads(store.path), ann, embedder)
    queries = [text for _, text in load_collection("cranfield").queries]
    queries += [
        "TimeoutError retry", "def __init__ self", "HTTPConnection getresponse", "os.path.join",
        '"return None" parser', "json.loads -yaml", "SIGTERM handler type:py", "UnicodeDecodeError",
    ]  # fmt: skip
    for query in queries[:20]:
        searcher.search(query)
    timings = []
    for query in queries:
        t0 = time.perf_counter()
        searcher.search(query, limit=10)
        timings.append((time.perf_counter() - t0) * 1000)
    log.info(
        "hybrid search at %d chunks over %d queries (limit 10): p50 %.1f ms, p95 %.1f ms, max %.1f ms,"
        " mean %.1f ms",
        total, len(timings), percentile(timings, 0.5), percentile(timings, 0.95), max(timings),
        statistics.mean(timings),
    )  # fmt: skip
    embed_ms = []
    for query in queries[:100]:
        t0 = time.perf_counter()
        embedder.embed_query(query)
        embed_ms.append((time.perf_counter() - t0) * 1000)
    log.info(
        "of which query embedding: p50 %.1f ms, p95 %.1f ms",
        percentile(embed_ms, 0.5),
        percentile(embed_ms, 0.95),
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
