"""hnswlib at the product's settings: query latency and recall@10 against brute force.

    python -m bench.ann [--vectors 100000] [--queries 500] [--ef 48 64 96]

Synthetic unit vectors (384-d, like the models), clustered around 2,000 centres (cosine
~0.8 to their centre) so that neighbours are meaningful, as with real embeddings. Builds
the index the product's way (``AnnIndex``: space 'ip', M=16, ef_construction=200), queries
one vector at a time, times ``AnnIndex.query`` and compares with exact inner products: k=10
at each ``--ef`` (the product's is ``EF_SEARCH``), and k=80 as hybrid search asks for 10
results (ef = k then).
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path

import numpy as np

import desktop_search.core.ann as ann_module
from bench.search_latency import percentile
from desktop_search.core.ann import EF_SEARCH, AnnIndex

log = logging.getLogger("bench.ann")
NOISE = 0.7 / np.sqrt(384)  # per dimension: a point sits at cosine ~0.8 from its centre


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--vectors", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--ef", type=int, nargs="+", default=[48, 64, EF_SEARCH])
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    rng = np.random.default_rng(0)
    centres = unit(rng.standard_normal((2000, 384)))
    data = unit(
        centres[rng.integers(0, 2000, args.vectors)] + NOISE * rng.standard_normal((args.vectors, 384))
    )
    queries = unit(
        centres[rng.integers(0, 2000, args.queries)] + NOISE * rng.standard_normal((args.queries, 384))
    )
    ann = AnnIndex(Path(tempfile.mkdtemp()), "bench@synthetic", 384)
    started = time.monotonic()
    for start in range(0, args.vectors, 10_000):
        ann.add(list(range(start + 1, min(start + 10_000, args.vectors) + 1)), data[start : start + 10_000])
    log.info(
        "built %d vectors in %.0f s (M=16, ef_construction=200)", args.vectors, time.monotonic() - started
    )
    exact = [np.argsort(-(data @ query))[:80] + 1 for query in queries]
    for ef, k in [*((ef, 10) for ef in args.ef), (EF_SEARCH, 80)]:
        ann_module.EF_SEARCH = ef  # AnnIndex.query uses max(EF_SEARCH, k)
        timings, recalls = [], []
        for query, truth in zip(queries, exact, strict=True):
            t0 = time.perf_counter()
            ids, _ = ann.query(query, k)
            timings.append((time.perf_counter() - t0) * 1000)
            recalls.append(len(set(truth[:k].tolist()) & set(ids)) / k)
        log.info(
            "%d vectors, ef=%d, k=%d: p50 %.3f ms, p95 %.3f ms; recall@%d mean %.4f, min %.2f",
            args.vectors, max(ef, k), k, percentile(timings, 0.5), percentile(timings, 0.95), k,
            float(np.mean(recalls)), min(recalls),
        )  # fmt: skip


if __name__ == "__main__":
    main()
