"""Model folders, the registry of known models, how a model is obtained, and how it is run
(``embed``: text to vectors with onnxruntime)."""

from desktop_search.core.model.manifest import ModelFolderError, ModelManifest, read_manifest
from desktop_search.core.model.provision import ModelLocations, ResolvedModel, resolve_model
from desktop_search.core.model.registry import DEFAULT_MODEL, KNOWN_MODELS, OFFLINE_FALLBACK

__all__ = [
    "DEFAULT_MODEL",
    "KNOWN_MODELS",
    "OFFLINE_FALLBACK",
    "ModelFolderError",
    "ModelLocations",
    "ModelManifest",
    "ResolvedModel",
    "read_manifest",
    "resolve_model",
]
