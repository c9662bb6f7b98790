"""The int8 variant: made by the export, measured against fp32, chosen per provider, never mixed."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from desktop_search.core.model.embed import Embedder
from desktop_search.core.model.manifest import MANIFEST_FILE, ModelFolderError, read_manifest
from desktop_search.core.model.provision import ResolvedModel, all_variants, choose_variant
from desktop_search.core.model.quantize import MIN_COSINE_MEAN, measured_ndcg_drop
from desktop_search.core.model.registry import MINILM
from desktop_search.core.paths import AppPaths
from desktop_search.core.settings import Settings, save_settings

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


def test_variant_choice_by_setting(offline_model: ResolvedModel) -> None:
    cpu_choice = offline_model.manifest.cpu_variant
    assert choose_variant(offline_model, "cpu", "auto").manifest.variant == cpu_choice
    assert choose_variant(offline_model, "cpu", "fp32").manifest.variant == "fp32"
    chosen = choose_variant(offline_model, "cpu", "int8").manifest
    assert chosen.variant == "int8" and chosen.model_file == "model_int8.onnx"
    fp32_only = dataclasses.replace(
        offline_model, manifest=dataclasses.replace(offline_model.manifest, variants=(), cpu_variant="fp32")
    )
    assert choose_variant(fp32_only, "cpu", "int8").manifest.variant == "fp32"  # falls back, logs
    assert [v.manifest.variant for v in all_variants(offline_model)] == ["fp32", "int8"]


def _copy_folder(offline_model: ResolvedModel, tmp_path: Path) -> Path:
    folder = tmp_path / "model"
    shutil.copytree(offline_model.folder, folder)
    return folder


def test_manifest_without_variants_still_reads(offline_model: ResolvedModel, tmp_path: Path) -> None:
    folder = _copy_folder(offline_model, tmp_path)
    data = json.loads((folder / MANIFEST_FILE).read_text())
    for key in ("variants", "cpu_variant", "cpu_variant_reason"):
        data.pop(key)
    (folder / MANIFEST_FILE).write_text(json.dumps(data))
    manifest = read_manifest(folder, verify_checksum=True)
    assert manifest.variant_names() == ["fp32"] and manifest.cpu_variant == "fp32"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["variants"][0].update(file="../model_int8.onnx"), "outside its folder"),
        (lambda d: d["variants"][0].update(file="missing.onnx"), "has no missing.onnx"),
        (lambda d: d["variants"][0].update(sha256="0" * 64), "checksum"),
        (lambda d: d.update(cpu_variant="int4"), "unknown cpu_variant"),
        (lambda d: d["variants"][0].pop("method"), "malformed variant"),
    ],
)
def test_bad_variant_entries_are_refused(
    offline_model: ResolvedModel, tmp_path: Path, change, message
) -> None:
    folder = _copy_folder(offline_model, tmp_path)
    data = json.loads((folder / MANIFEST_FILE).read_text())
    change(data)
    (folder / MANIFEST_FILE).write_text(json.dumps(data))
    with pytest.raises(ModelFolderError, match=message):
        read_manifest(folder, verify_checksum=True)


def test_changing_precision_reembeds_and_the_old_vectors_serve_meanwhile(
    engine_factory, app_paths: AppPaths, sample_folder: Path
) -> None:
    save_settings(app_paths.settings_file, Settings(model=MINILM.name, threads=2, precision="fp32"))
    engine = engine_factory()
    engine.index(engine.add_roots([sample_folder]))
    fp32_id = engine.status().model.id
    assert engine.status().model.variant == "fp32"

    save_settings(app_paths.settings_file, Settings(model=MINILM.name, threads=2, precision="int8"))
    switched = engine_factory()
    status = switched.status()
    assert status.model.id == fp32_id and status.model.reembed_needed
    assert Path(switched.search("bananas").results[0].path).name == "banana-bread.md"
    assert switched.index().chunks_embedded > 0
    after = engine_factory().status()
    assert after.model.variant == "int8" and not after.model.reembed_needed
    assert list(after.index.vectors) == [after.model.id]
    assert Path(engine_factory().search("bananas").results[0].path).name == "banana-bread.md"
