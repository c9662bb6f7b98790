"""Index an IR collection through the engine and time single queries after warm-up.

    python -m bench.search_latency [cranfield|med|adi] [--data-dir DIR]

Prints indexing throughput (chunks/s) and end-to-end search latency (embed + ANN + SQLite
fetch + grouping + snippets) p50/p95 over every query of the collection.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
from pathlib import Path

from bench.ir import COLLECTIONS, load_collection, write_documents
from bench.scratch import scratch_dir
from desktop_search.core.engine import Engine
from desktop_search.core.model.registry import OFFLINE_FALLBACK
from desktop_search.core.paths import AppPaths
from desktop_search.core.settings import Settings

log = logging.getLogger("bench.search_latency")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("collection", nargs="?", default="cranfield", choices=COLLECTIONS)
    parser.add_argument("--data-dir", type=Path, help="reuse a data dir (default: a temporary one)")
    parser.add_argument("--model", default=OFFLINE_FALLBACK)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    work = scratch_dir("ds-bench-")
    collection = load_collection(args.collection)
    write_documents(collection, work / "docs")
    engine = Engine.open(
        AppPaths(args.data_dir or work / "data"), Settings(model=args.model, threads=args.threads)
    )
    report = engine.index(engine.add_roots([work / "docs"]))
    log.info(
        "indexed %d files, %d chunks embedded in %.1f s: %.1f chunks/s",
        report.files_indexed, report.chunks_embedded, report.seconds, report.chunks_embedded / report.seconds,
    )  # fmt: skip
    searcher = engine.searcher()
    for _, text in collection.queries[:10]:
        searcher.search(text)  # warm-up
    timings = []
    for _, text in collection.queries:
        started = time.perf_counter()
        searcher.search(text, limit=10)
        timings.append((time.perf_counter() - started) * 1000)
    p50, p95 = percentile(timings, 0.5), percentile(timings, 0.95)
    log.info(
        "search latency over %d queries (limit 10, %d threads): p50 %.1f ms, p95 %.1f ms, mean %.1f ms",
        len(timings), args.threads, p50, p95, statistics.mean(timings),
    )  # fmt: skip
    engine.close()


if __name__ == "__main__":
    main()
