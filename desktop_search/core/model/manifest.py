"""The model folder format: ``model.onnx`` + ``tokenizer.json`` + ``manifest.json``."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from desktop_search.core.files import sha256_of

MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
MANIFEST_FILE = "manifest.json"
MANIFEST_FORMAT = 1

Pooling = Literal["cls", "mean"]


class ModelFolderError(Exception):
    """A model folder is missing a file, has a bad manifest or a checksum mismatch."""


@dataclass(frozen=True)
class ModelManifest:
    """What the embedder needs to know to turn the ONNX graph's output into vectors."""

    name: str
    source: str
    dimension: int
    pooling: Pooling
    normalize: bool
    query_prefix: str
    passage_prefix: str
    max_tokens: int
    output_name: str
    sha256: str
    format: int = MANIFEST_FORMAT
    notes: str = ""

    @property
    def model_id(self) -> str:
        """Identity recorded with every vector: name plus a prefix of the weights' hash."""
        return f"{self.name}@{self.sha256[:12]}"

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ModelManifest:
        known = {f.name for f in dataclasses.fields(cls)}
        missing = known - set(data) - {"format", "notes"}
        if missing:
            raise ModelFolderError(f"manifest lacks {', '.join(sorted(missing))}")
        if data["pooling"] not in ("cls", "mean"):
            raise ModelFolderError(f"unknown pooling {data['pooling']!r}")
        return cls(**{k: v for k, v in data.items() if k in known})


def write_manifest(folder: Path, manifest: ModelManifest) -> None:
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest.to_json(), indent=2), encoding="utf-8")


def read_manifest(folder: Path, verify_checksum: bool = False) -> ModelManifest:
    """Read and check a model folder. ``verify_checksum`` re-hashes ``model.onnx``."""
    for required in (MODEL_FILE, TOKENIZER_FILE, MANIFEST_FILE):
        if not (folder / required).is_file():
            raise ModelFolderError(f"{folder} has no {required}")
    try:
        data = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelFolderError(f"{folder / MANIFEST_FILE} is unreadable: {exc}") from exc
    if not isinstance(data, dict):
        raise ModelFolderError(f"{folder / MANIFEST_FILE} is not a JSON object")
    manifest = ModelManifest.from_json(data)
    if verify_checksum and sha256_of(folder / MODEL_FILE) != manifest.sha256:
        raise ModelFolderError(f"{folder / MODEL_FILE} does not match its manifest checksum")
    return manifest
