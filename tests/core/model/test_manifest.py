"""The model folder format and its manifest (``core/model/manifest.py``)."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest

from desktop_search.core.model.manifest import (
    MANIFEST_FILE,
    MODEL_FILE,
    TOKENIZER_FILE,
    ModelFolderError,
    partial_download_dir,
    read_manifest,
    write_manifest,
)
from desktop_search.core.model.provision import ResolvedModel


def _copy_folder(offline_model: ResolvedModel, tmp_path: Path) -> Path:
    folder = tmp_path / "model"
    shutil.copytree(offline_model.folder, folder)
    return folder


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


def test_write_then_read_round_trip(offline_model: ResolvedModel, tmp_path: Path) -> None:
    copy = tmp_path / "m"
    shutil.copytree(offline_model.folder, copy)
    changed = dataclasses.replace(offline_model.manifest, query_prefix="query: ", notes="x")
    write_manifest(copy, changed)
    assert read_manifest(copy, verify_checksum=True) == changed


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


@pytest.mark.parametrize("missing", [MODEL_FILE, TOKENIZER_FILE, MANIFEST_FILE])
def test_a_folder_missing_one_of_its_files_is_named(
    offline_model: ResolvedModel, tmp_path: Path, missing: str
) -> None:
    folder = _copy_folder(offline_model, tmp_path)
    (folder / missing).unlink()
    with pytest.raises(ModelFolderError, match=f"has no {missing}"):
        read_manifest(folder)


@pytest.mark.parametrize(
    ("content", "message"),
    [("[1, 2]", "not a JSON object"), ("{not json", "unreadable"), (None, "unknown pooling 'max'")],
)
def test_a_manifest_that_cannot_be_understood_is_refused(
    offline_model: ResolvedModel, tmp_path: Path, content: str | None, message: str
) -> None:
    folder = _copy_folder(offline_model, tmp_path)
    if content is None:  # well-formed JSON, a pooling nobody knows
        content = json.dumps({**json.loads((folder / MANIFEST_FILE).read_text()), "pooling": "max"})
    (folder / MANIFEST_FILE).write_text(content)
    with pytest.raises(ModelFolderError, match=message):
        read_manifest(folder)


def test_each_variant_is_seen_with_its_own_file_and_identity(offline_model: ResolvedModel) -> None:
    manifest = offline_model.manifest
    assert manifest.with_variant("fp32") == manifest and manifest.model_file == MODEL_FILE
    (int8,) = manifest.variants
    view = manifest.with_variant(int8.name)
    assert (view.variant, view.model_file, view.sha256) == (int8.name, int8.file, int8.sha256)
    assert view.model_id == f"{manifest.name}@{int8.sha256[:12]}" != manifest.model_id
    with pytest.raises(ModelFolderError, match="has no int4 variant"):
        manifest.with_variant("int4")
    # The view is not what the folder stores: written out, the manifest is the fp32 one.
    assert "variant" not in manifest.to_json() and "model_file" not in manifest.to_json()


def test_a_manifest_is_written_whole_and_leaves_nothing_beside_it(
    offline_model: ResolvedModel, tmp_path: Path
) -> None:
    folder = _copy_folder(offline_model, tmp_path)
    before = sorted(p.name for p in folder.iterdir())
    write_manifest(folder, dataclasses.replace(offline_model.manifest, notes="rewritten"))
    assert sorted(p.name for p in folder.iterdir()) == before  # no temporary file left
    assert read_manifest(folder).notes == "rewritten"


def test_a_download_in_progress_lives_hidden_beside_its_model(tmp_path: Path) -> None:
    target = tmp_path / "models" / "bge-small-en-v1.5"
    partial = partial_download_dir(target)
    assert partial.parent == target.parent and partial.name == ".bge-small-en-v1.5.download"
    assert partial_download_dir(target) == partial  # the same place each time: a retry resumes it
