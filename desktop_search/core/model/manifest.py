"""The model folder format: ``model.onnx`` + ``tokenizer.json`` + ``manifest.json``.

A folder may also hold reduced-precision variants of the same weights (``model_int8.onnx``).
The manifest lists them with how they were made and how close they came to fp32, and names
the variant to run on a CPU (``cpu_variant``) with the reason it was chosen.
"""

from __future__ import annotations

import dataclasses
import json
import os
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
class ModelVariant:
    """A reduced-precision copy of the model's weights in the same folder."""

    name: str  # "int8"
    file: str
    sha256: str
    method: str
    cosine_mean: float  # to the fp32 vectors, on the gate texts
    cosine_min: float


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
    variants: tuple[ModelVariant, ...] = ()
    cpu_variant: str = "fp32"
    cpu_variant_reason: str = ""
    # Which weights this manifest describes: the folder's file is fp32; ``with_variant``
    # gives the view of a variant (its file and hash, hence its own model id).
    variant: str = "fp32"
    model_file: str = MODEL_FILE

    @property
    def model_id(self) -> str:
        """Identity recorded with every vector: name plus a prefix of the weights' hash."""
        return f"{self.name}@{self.sha256[:12]}"

    def variant_names(self) -> list[str]:
        return ["fp32", *(v.name for v in self.variants)]

    def with_variant(self, name: str) -> ModelManifest:
        """The manifest as seen by an embedder running variant ``name`` (fp32 or a listed one)."""
        if name == "fp32":
            return self
        for variant in self.variants:
            if variant.name == name:
                return dataclasses.replace(self, variant=name, model_file=variant.file, sha256=variant.sha256)
        raise ModelFolderError(f"{self.name} has no {name} variant")

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["variants"] = [dataclasses.asdict(v) for v in self.variants]
        for view_only in ("variant", "model_file"):
            data.pop(view_only)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ModelManifest:
        known = {f.name for f in dataclasses.fields(cls)} - {"variant", "model_file"}
        optional = {"format", "notes", "variants", "cpu_variant", "cpu_variant_reason"}
        missing = known - set(data) - optional
        if missing:
            raise ModelFolderError(f"manifest lacks {', '.join(sorted(missing))}")
        if data["pooling"] not in ("cls", "mean"):
            raise ModelFolderError(f"unknown pooling {data['pooling']!r}")
        values = {k: v for k, v in data.items() if k in known}
        try:
            values["variants"] = tuple(ModelVariant(**v) for v in data.get("variants", []))
        except TypeError as exc:
            raise ModelFolderError(f"manifest has a malformed variant: {exc}") from exc
        manifest = cls(**values)
        if any(Path(v.file).name != v.file or v.file == MODEL_FILE for v in manifest.variants):
            raise ModelFolderError("manifest names a variant file outside its folder")
        if manifest.cpu_variant not in manifest.variant_names():
            raise ModelFolderError(f"manifest names an unknown cpu_variant {manifest.cpu_variant!r}")
        return manifest


def write_manifest(folder: Path, manifest: ModelManifest) -> None:
    """Write the manifest whole or not at all (a process killed mid-write leaves the old one)."""
    temporary = folder / f".{MANIFEST_FILE}.tmp"
    temporary.write_text(json.dumps(manifest.to_json(), indent=2), encoding="utf-8")
    os.replace(temporary, folder / MANIFEST_FILE)


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
    for variant in manifest.variants:
        if not (folder / variant.file).is_file():
            raise ModelFolderError(f"{folder} has no {variant.file} (its {variant.name} variant)")
    if verify_checksum:
        for name in manifest.variant_names():
            view = manifest.with_variant(name)
            if sha256_of(folder / view.model_file) != view.sha256:
                raise ModelFolderError(f"{folder / view.model_file} does not match its manifest checksum")
    return manifest


def partial_download_dir(target_dir: Path) -> Path:
    """Where a download of ``target_dir`` keeps its files until complete (beside it, so a
    retry resumes them)."""
    return target_dir.parent / f".{target_dir.name}.download"
