"""The int8 variant (``core/model/quantize.py``): made by the export, measured against fp32,
made the CPU default only past the quality gate."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import pytest

from desktop_search.core.errors import DownloadCancelledError
from desktop_search.core.model.embed import Embedder
from desktop_search.core.model.manifest import read_manifest, write_manifest
from desktop_search.core.model.provision import ResolvedModel
from desktop_search.core.model.quantize import (
    INT8_FILE,
    MIN_COSINE_MEAN,
    add_int8_variant_in_child,
    measured_ndcg_drop,
)
from desktop_search.core.model.registry import MINILM

PASSAGES = [
    "The boundary layer separates from the wing at high angles of attack.",
    "Mash three ripe bananas with butter, add flour and bake for an hour.",
    "Patients with chronic kidney disease were given a low-protein diet for six months.",
    "def retry(call, attempts=5): wait twice as long after every failure",
    "Quarterly revenue grew twelve percent, driven by subscriptions.",
    "A short note.",
]


def test_export_adds_a_verified_int8_variant_with_its_measurements(offline_model: ResolvedModel) -> None:
    manifest = read_manifest(offline_model.folder, verify_checksum=True)  # hashes every variant file
    (int8,) = manifest.variants
    assert int8.name == "int8" and (offline_model.folder / int8.file).is_file()
    assert int8.cosine_mean >= MIN_COSINE_MEAN and 0 < int8.cosine_min <= int8.cosine_mean
    assert manifest.cpu_variant_reason  # the choice says why
    assert manifest.with_variant("int8").model_id != manifest.model_id  # its own identity


def test_int8_vectors_stay_close_to_fp32_and_rank_alike(offline_model: ResolvedModel) -> None:
    fp32 = Embedder(offline_model.folder, offline_model.manifest, provider="cpu", threads=2)
    int8 = Embedder(
        offline_model.folder, offline_model.manifest.with_variant("int8"), provider="cpu", threads=2
    )
    a, b = fp32.embed_passages(PASSAGES), int8.embed_passages(PASSAGES)
    cosines = (a * b).sum(axis=1)
    assert cosines.mean() >= 0.99 and cosines.min() >= 0.97
    query = "which recipe uses bananas"
    assert np.argmax(a @ fp32.embed_query(query)) == np.argmax(b @ int8.embed_query(query)) == 1


def test_cpu_default_follows_the_quality_gate(offline_model: ResolvedModel) -> None:
    drop = measured_ndcg_drop(MINILM.name)
    expected = "int8" if drop is not None and drop <= 0.01 else "fp32"
    assert offline_model.manifest.cpu_variant == expected
    assert measured_ndcg_drop("a-model-nobody-measured") is None


def _fp32_only_copy(offline_model: ResolvedModel, tmp_path: Path) -> Path:
    """A copy of the model folder as a download leaves it: fp32 alone, no int8 yet."""
    folder = tmp_path / "model"
    shutil.copytree(offline_model.folder, folder)
    (folder / INT8_FILE).unlink()
    manifest = dataclasses.replace(
        offline_model.manifest, variants=(), cpu_variant="fp32", cpu_variant_reason=""
    )
    write_manifest(folder, manifest)
    return folder


def test_a_stop_ends_the_child_and_keeps_the_fp32_folder_intact(
    offline_model: ResolvedModel, tmp_path: Path
) -> None:
    folder = _fp32_only_copy(offline_model, tmp_path)
    before = sorted(p.name for p in folder.iterdir())
    with pytest.raises(DownloadCancelledError, match="int8 variant of model stopped"):
        add_int8_variant_in_child(folder, should_cancel=lambda: True)
    assert sorted(p.name for p in folder.iterdir()) == before  # no half-written int8 file
    assert read_manifest(folder, verify_checksum=True).variants == ()


def test_a_child_past_its_time_is_ended_and_the_model_runs_fp32(
    offline_model: ResolvedModel, tmp_path: Path
) -> None:
    folder = _fp32_only_copy(offline_model, tmp_path)
    assert add_int8_variant_in_child(folder, timeout_s=0) is False
    assert not (folder / INT8_FILE).exists()
    manifest = read_manifest(folder, verify_checksum=True)
    assert manifest.variants == () and manifest.cpu_variant == "fp32"
