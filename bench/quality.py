"""Retrieval quality on the IR collections, through the product's CLI, next to BM25.

    python -m bench.quality [cranfield med adi] [--out bench/results/quality.json]

For each collection: write every document as a file, `desktop-search index` the folder,
run every query through `desktop-search search --json --stdin --limit 100` in each mode
(hybrid, dense-only, keyword-only = FTS5 BM25), and score the ranked files with nDCG@10,
MRR@10 and Recall@100 beside an independent BM25 (rank_bm25) over the same documents in the
same run.
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import time
from pathlib import Path

from bench.ir import COLLECTIONS, bm25_rankings, doc_id_of, evaluate, load_collection, write_documents
from bench.scratch import scratch_dir
from desktop_search.core.model.manifest import read_manifest
from desktop_search.core.paths import AppPaths
from desktop_search.core.search import MODES
from desktop_search.core.settings import PRECISIONS, Settings, save_settings

log = logging.getLogger("bench.quality")


def run_product(
    collection_name: str, work: Path, precision: str = "auto", model_dir: Path | None = None
) -> tuple[dict[str, dict[str, list[str]]], float]:
    """Index through the CLI, then the rankings of every query in each mode."""
    collection = load_collection(collection_name)
    docs, data = work / collection_name, work / f"{collection_name}-{precision}-data"
    write_documents(collection, docs)
    paths = AppPaths(data)
    paths.ensure()
    if model_dir is not None:  # an already exported model folder instead of exporting one here
        (paths.models_dir / read_manifest(model_dir).name).symlink_to(model_dir.resolve())
    save_settings(paths.settings_file, Settings(precision=precision))
    base = [sys.executable, "-m", "desktop_search", "--data-dir", str(data)]
    started = time.perf_counter()
    subprocess.run([*base, "index", str(docs)], check=True, capture_output=True, text=True)
    index_s = time.perf_counter() - started
    queries = "".join(text + "\n" for _, text in collection.queries)
    by_mode = {}
    for mode in MODES:
        out = subprocess.run(
            [*base, "search", "--json", "--stdin", "--limit", "100", "--mode", mode],
            input=queries, check=True, capture_output=True, text=True,
        ).stdout.splitlines()  # fmt: skip
        by_mode[mode] = {
            qid: [doc_id_of(r["path"]) for r in json.loads(line)["results"]]
            for (qid, _), line in zip(collection.queries, out, strict=True)
        }
    return by_mode, index_s


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("collections", nargs="*", default=list(COLLECTIONS))
    parser.add_argument("--out", type=Path, default=Path("bench/results/quality.json"))
    parser.add_argument("--precision", default="auto", choices=PRECISIONS)
    parser.add_argument("--model-dir", type=Path, help="an exported model folder to use (default: export)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    work = scratch_dir("ds-quality-")
    table: dict[str, dict[str, dict[str, float]]] = {}
    log.info("%-10s %-10s %8s %8s %10s", "collection", "system", "nDCG@10", "MRR@10", "Recall@100")
    for name in args.collections:
        collection = load_collection(name)
        by_mode, index_s = run_product(name, work, args.precision, args.model_dir)
        table[name] = {mode: evaluate(collection, rankings) for mode, rankings in by_mode.items()}
        table[name]["rank_bm25"] = evaluate(collection, bm25_rankings(collection))
        table[name]["hybrid"]["index_seconds"] = index_s
        for system, scores in table[name].items():
            log.info(
                "%-10s %-10s %8.3f %8.3f %10.3f",
                name, system, scores["ndcg@10"], scores["mrr@10"], scores["recall@100"],
            )  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(table, indent=2))
    log.info("saved %s", args.out)


if __name__ == "__main__":
    main()
