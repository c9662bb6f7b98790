"""The model folder an installer ships: only the weights the app would run."""

from __future__ import annotations

import dataclasses
import importlib.util
import shutil
from pathlib import Path

from desktop_search.core.model.embed import Embedder
from desktop_search.core.model.manifest import read_manifest, write_manifest
from desktop_search.core.model.provision import ModelLocations, ResolvedModel, choose_variant, find_installed

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("prepare_model", ROOT / "packaging" / "prepare_model.py")
assert spec and spec.loader
prepare_model = importlib.util.module_from_spec(spec)
spec.loader.exec_module(prepare_model)


def test_int8_ships_when_it_is_the_cpu_default(offline_model: ResolvedModel, tmp_path: Path) -> None:
    folder = tmp_path / offline_model.folder.name
    shutil.copytree(offline_model.folder, folder)
    assert read_manifest(folder).cpu_variant == "int8"
    kept = prepare_model.drop_unused_variants(folder)
    assert [variant.name for variant in kept.variants] == ["int8"]
    assert (folder / "model_int8.onnx").is_file()


def test_a_variant_the_cpu_would_not_run_is_left_out_and_the_folder_still_works(
    offline_model: ResolvedModel, tmp_path: Path
) -> None:
    models = tmp_path / "models"
    folder = models / offline_model.folder.name
    shutil.copytree(offline_model.folder, folder)
    write_manifest(folder, dataclasses.replace(read_manifest(folder), cpu_variant="fp32"))

    kept = prepare_model.drop_unused_variants(folder)

    assert kept.variants == () and not (folder / "model_int8.onnx").exists()
    read_manifest(folder, verify_checksum=True)
    found = find_installed(ModelLocations(bundled_dir=models, user_dir=tmp_path / "user"), folder.name)
    assert found is not None and found.origin == "bundled"
    # Asking for int8 anyway runs fp32 (with a warning) rather than failing.
    running = choose_variant(found, provider="cpu", precision="int8")
    assert running.manifest.variant == "fp32"
    vectors = Embedder(found.folder, running.manifest, provider="cpu").embed_passages(["banana bread"])
    assert vectors.shape == (1, found.manifest.dimension)
