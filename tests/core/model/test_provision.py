"""How a model is found, chosen and obtained (``core/model/provision.py``)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import onnxruntime as ort
import pytest

from desktop_search.core.errors import ModelUnavailableError
from desktop_search.core.model.manifest import MODEL_FILE, partial_download_dir
from desktop_search.core.model.provision import (
    ModelLocations,
    ResolvedModel,
    all_variants,
    choose_variant,
    fetch_model,
    find_installed,
    gpu_will_run,
    import_model,
    installed_models,
    kept_download_bytes,
    resolve_model,
)
from desktop_search.core.model.registry import BGE_SMALL, MINILM
from desktop_search.core.paths import AppPaths
from desktop_search.core.settings import Settings, save_settings


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


def test_a_gpu_runs_fp32_whatever_the_cpu_would_choose(offline_model: ResolvedModel) -> None:
    has_cuda = "CUDAExecutionProvider" in ort.get_available_providers()
    assert gpu_will_run("cpu") is False
    assert gpu_will_run("auto") is has_cuda and gpu_will_run("cuda") is has_cuda
    int8_on_cpu = dataclasses.replace(
        offline_model, manifest=dataclasses.replace(offline_model.manifest, cpu_variant="int8")
    )
    assert choose_variant(int8_on_cpu, "cpu", "auto").manifest.variant == "int8"
    assert choose_variant(int8_on_cpu, "auto", "auto").manifest.variant == ("fp32" if has_cuda else "int8")


def test_partial_downloads_and_stray_folders_are_not_models(
    offline_model: ResolvedModel, tmp_path: Path
) -> None:
    locations = ModelLocations(bundled_dir=tmp_path / "bundled", user_dir=tmp_path / "user")
    locations.user_dir.mkdir()
    partial = partial_download_dir(locations.user_dir / MINILM.name)
    partial.symlink_to(offline_model.folder)  # complete files, but still a download in progress
    (locations.user_dir / "holiday-photos").mkdir()
    assert installed_models(locations) == []
    assert find_installed(locations, MINILM.name) is None
    (locations.user_dir / MINILM.name).symlink_to(offline_model.folder)
    found = find_installed(locations, MINILM.name)
    assert found is not None and (found.origin, found.folder) == ("user", locations.user_dir / MINILM.name)
    assert [m.folder for m in installed_models(locations)] == [locations.user_dir / MINILM.name]


def test_kept_download_bytes_says_how_far_an_unfinished_download_got(tmp_path: Path) -> None:
    locations = ModelLocations(bundled_dir=tmp_path / "bundled", user_dir=tmp_path / "user")
    assert kept_download_bytes(locations, BGE_SMALL.name) == 0
    partial = partial_download_dir(locations.user_dir / BGE_SMALL.name)
    partial.mkdir(parents=True)
    (partial / f"{MODEL_FILE}.part").write_bytes(b"\0" * 1234)
    assert kept_download_bytes(locations, BGE_SMALL.name) == 1234
    (partial / MODEL_FILE).write_bytes(b"\0" * 5000)  # the model file done, preparing interrupted
    assert kept_download_bytes(locations, BGE_SMALL.name) == 5000
    assert kept_download_bytes(locations, MINILM.name) == 0  # another model's download is its own


def test_fetch_and_import_refuse_what_they_cannot_use_without_touching_anything(tmp_path: Path) -> None:
    locations = ModelLocations(bundled_dir=tmp_path / "bundled", user_dir=tmp_path / "user")
    with pytest.raises(
        ModelUnavailableError, match=f"Unknown model 'no-such-model'; known: {BGE_SMALL.name}"
    ):
        fetch_model(locations, "no-such-model")
    with pytest.raises(ModelUnavailableError, match="is not a folder"):
        import_model(locations, tmp_path / "nowhere")
    assert not locations.user_dir.exists()
