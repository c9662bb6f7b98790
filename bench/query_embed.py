"""Single-query embedding latency (tokenizer + onnxruntime session), 1 to 20 tokens.

    python -m bench.query_embed [--threads 2] [--repeats 3]

Queries: words of the Cranfield queries cut to 1..20 words (a word is ~1.3 tokens). Each
variant of the model folder (fp32 and int8) embeds every query one at a time, as a search
box does, after a warm-up; all variants run in this one process, one after another, with
the product's session options. Prints p50/p95 of the whole call and of the tokenizer alone,
overall and per token-length band.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

from bench.ir import load_collection
from bench.search_latency import percentile
from desktop_search.core.model.embed import Embedder
from desktop_search.core.model.manifest import read_manifest

log = logging.getLogger("bench.query_embed")
BANDS = ((3, 7), (8, 12), (13, 17), (18, 22))  # tokens including [CLS] and [SEP]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--model-dir", type=Path, default=Path(".test-cache/models/all-MiniLM-L6-v2"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    words = [text.split() for _, text in load_collection("cranfield").queries]
    queries = [" ".join(w[:n]) for w in words for n in range(1, 21, 3) if len(w) >= n]
    manifest = read_manifest(args.model_dir)
    for variant in manifest.variant_names():
        embedder = Embedder(
            args.model_dir, manifest.with_variant(variant), provider="cpu", threads=args.threads
        )
        tokenizer, _ = embedder._loaded()  # the same tokenizer object the product uses
        if variant == "fp32":  # keep queries of 1..20 tokens (plus the two special tokens)
            queries = [q for q in queries if len(tokenizer.encode(q).ids) - 2 <= 20]
        for query in queries[:50]:
            embedder.embed_query(query)
        timings: list[tuple[int, float, float]] = []
        for _ in range(args.repeats):
            for query in queries:
                t0 = time.perf_counter()
                tokens = len(tokenizer.encode(query).ids)
                t1 = time.perf_counter()
                embedder.embed_query(query)
                t2 = time.perf_counter()
                timings.append((tokens, (t1 - t0) * 1000, (t2 - t1) * 1000))
        total = [t for _, _, t in timings]
        tokenizing = [t for _, t, _ in timings]
        log.info(
            "%s, %d threads, %d queries x %d: embed_query p50 %.2f ms, p95 %.2f ms, max %.2f ms; "
            "tokenizer alone p50 %.3f ms, p95 %.3f ms",
            variant, args.threads, len(queries), args.repeats, percentile(total, 0.5),
            percentile(total, 0.95), max(total), percentile(tokenizing, 0.5), percentile(tokenizing, 0.95),
        )  # fmt: skip
        for low, high in BANDS:
            band = [t for n, _, t in timings if low <= n <= high]
            if band:
                log.info(
                    "    %2d-%2d tokens (with specials): n=%d p50 %.2f ms, p95 %.2f ms",
                    low, high, len(band), percentile(band, 0.5), percentile(band, 0.95),
                )  # fmt: skip


if __name__ == "__main__":
    main()
