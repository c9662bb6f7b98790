"""Choose the fusion of dense, keyword and file-name rankings by measurement.

    python -m bench.fusion_sweep

Indexes each IR collection once (in-process, the product's engine), then scores every query
with dense-only, keyword-only and several fusions (RRF with different k and weights, and
min-max weighted scores), printing nDCG@10 per collection and the mean.
"""

from __future__ import annotations

import logging

from bench.ir import COLLECTIONS, doc_id_of, evaluate, load_collection, write_documents
from bench.scratch import scratch_dir
from desktop_search.core.engine import Engine
from desktop_search.core.model.registry import OFFLINE_FALLBACK
from desktop_search.core.paths import AppPaths
from desktop_search.core.search import Fusion, Searcher
from desktop_search.core.search_reads import SearchReads
from desktop_search.core.settings import Settings

log = logging.getLogger("bench.fusion_sweep")

VARIANTS = {
    "rrf k=60 1:1:0.5": Fusion("rrf", 60, 1.0, 1.0, 0.5),
    "rrf k=60 1:0.5:0.5": Fusion("rrf", 60, 1.0, 0.5, 0.5),
    "rrf k=60 1:1:0": Fusion("rrf", 60, 1.0, 1.0, 0.0),
    "rrf k=20 1:1:0.5": Fusion("rrf", 20, 1.0, 1.0, 0.5),
    "weighted 1:0.3:0.2": Fusion("weighted", 0, 1.0, 0.3, 0.2),
    "weighted 1:0.5:0.2": Fusion("weighted", 0, 1.0, 0.5, 0.2),
}


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    work = scratch_dir("ds-fusion-")
    table: dict[str, dict[str, float]] = {}
    for name in COLLECTIONS:
        collection = load_collection(name)
        write_documents(collection, work / name)
        engine = Engine.open(AppPaths(work / f"{name}-data"), Settings(model=OFFLINE_FALLBACK, threads=2))
        engine.index(engine.add_roots([work / name]))
        base = engine.searcher()
        runs = {"dense": (base, "dense"), "keyword": (base, "keyword")}
        for label, fusion in VARIANTS.items():
            runs[label] = (Searcher(SearchReads(base.reads.path), base.ann, base.embedder, fusion), "hybrid")
        for label, (searcher, mode) in runs.items():
            rankings = {
                qid: [doc_id_of(r.path) for r in searcher.search(text, 100, mode).results]
                for qid, text in collection.queries
            }
            table.setdefault(label, {})[name] = evaluate(collection, rankings)["ndcg@10"]
        engine.close()
    log.info("%-24s %s %8s", "nDCG@10", " ".join(f"{c:>9}" for c in COLLECTIONS), "mean")
    for label, scores in table.items():
        mean = sum(scores.values()) / len(scores)
        log.info("%-24s %s %8.3f", label, " ".join(f"{scores[c]:9.3f}" for c in COLLECTIONS), mean)


if __name__ == "__main__":
    main()
