"""Export through optimum into the model folder format (``core/model/export.py``)."""

from __future__ import annotations

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
from desktop_search.core.model.export import ExportRequest, detect_max_tokens, detect_pooling, export_model
from desktop_search.core.model.manifest import read_manifest
from desktop_search.core.model.provision import ModelLocations, ResolvedModel, offline_package_dir
from desktop_search.core.model.registry import MINILM

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


def test_pooling_is_read_from_a_sentence_transformers_folder(tmp_path: Path) -> None:
    source = offline_package_dir(MINILM)
    assert source is not None
    assert detect_pooling(source) == MINILM.pooling == "mean"  # the package's own 1_Pooling config

    folder = tmp_path / "st-model"
    (folder / "1_Pooling").mkdir(parents=True)
    config = folder / "1_Pooling" / "config.json"
    config.write_text(json.dumps({"pooling_mode_cls_token": True, "pooling_mode_mean_tokens": False}))
    assert detect_pooling(folder) == "cls"
    config.write_text(json.dumps({"pooling_mode_cls_token": False, "pooling_mode_mean_tokens": True}))
    assert detect_pooling(folder) == "mean"
    config.write_text("{not json")
    assert detect_pooling(folder) == "mean"  # unreadable: the common default
    assert detect_pooling(tmp_path / "plain-hf-model") == "mean"


def test_max_tokens_is_the_shortest_limit_the_folder_states(tmp_path: Path) -> None:
    source = offline_package_dir(MINILM)
    assert source is not None
    assert detect_max_tokens(source) == MINILM.max_tokens == 256  # max_seq_length below 512 positions

    folder = tmp_path / "model"
    folder.mkdir()
    assert detect_max_tokens(folder) == 512  # nothing stated: the usual BERT limit
    (folder / "config.json").write_text(json.dumps({"max_position_embeddings": 128}))
    assert detect_max_tokens(folder) == 128
    (folder / "config.json").write_text(json.dumps({"max_position_embeddings": 4096}))
    assert detect_max_tokens(folder) == 512  # never beyond 512, whatever the positions allow
    (folder / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 384}))
    assert detect_max_tokens(folder) == 384
    (folder / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 0}))
    (folder / "config.json").write_text(json.dumps({"max_position_embeddings": "many"}))
    assert detect_max_tokens(folder) == 512  # nonsense values are ignored


def test_a_folder_that_is_not_a_model_is_refused_before_anything_runs(tmp_path: Path) -> None:
    source = tmp_path / "photos"
    source.mkdir()
    (source / "holiday.jpg").write_bytes(b"\xff\xd8\xff\xe0")
    target = tmp_path / "models" / "photos"
    request = ExportRequest(source_dir=source, target_dir=target, name="photos", source_label=str(source))
    with pytest.raises(ModelUnavailableError, match="not a Hugging Face model folder"):
        export_model(request)
    assert not target.parent.exists()


def test_a_failed_export_keeps_the_model_there_and_leaves_no_staging_folder(
    offline_model: ResolvedModel, tmp_path: Path
) -> None:
    source = tmp_path / "broken-model"
    source.mkdir()
    (source / "config.json").write_text("{}")  # looks like a model folder, but holds no model
    target = tmp_path / "models" / MINILM.name
    shutil.copytree(offline_model.folder, target)
    request = ExportRequest(source_dir=source, target_dir=target, name=MINILM.name, source_label="test")
    with pytest.raises(ModelUnavailableError, match=f"Could not export {MINILM.name}"):
        export_model(request, timeout_s=300)
    assert sorted(p.name for p in target.parent.iterdir()) == [MINILM.name]  # no staging left
    assert read_manifest(target, verify_checksum=True) == offline_model.manifest  # untouched
