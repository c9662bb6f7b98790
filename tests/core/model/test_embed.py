"""The embedder: prefixes, padding, truncation, batching, providers."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from desktop_search.core.model.embed import Embedder
from desktop_search.core.model.provision import ResolvedModel


def test_query_prefix_goes_on_queries_only(offline_model: ResolvedModel) -> None:
    manifest = dataclasses.replace(offline_model.manifest, query_prefix="search query: ")
    embedder = Embedder(offline_model.folder, manifest, provider="cpu", threads=1)
    query = embedder.embed_query("boundary layer transition")
    with_prefix = embedder.embed_passages(["search query: boundary layer transition"])[0]
    without = embedder.embed_passages(["boundary layer transition"])[0]
    assert float(query @ with_prefix) > 0.99999
    assert float(query @ without) < 0.999


def test_passage_prefix_goes_on_passages_only(offline_model: ResolvedModel) -> None:
    manifest = dataclasses.replace(offline_model.manifest, passage_prefix="passage: ")
    embedder = Embedder(offline_model.folder, manifest, provider="cpu", threads=1)
    plain = Embedder(offline_model.folder, offline_model.manifest, provider="cpu", threads=1)
    assert (
        float(embedder.embed_passages(["heat flux"])[0] @ plain.embed_passages(["passage: heat flux"])[0])
        > 0.99999
    )
    assert float(embedder.embed_query("heat flux") @ plain.embed_query("heat flux")) > 0.99999


def test_cls_pooling_reads_the_first_token(offline_model: ResolvedModel) -> None:
    cls_manifest = dataclasses.replace(offline_model.manifest, pooling="cls")
    cls_embedder = Embedder(offline_model.folder, cls_manifest, provider="cpu", threads=1)
    mean_embedder = Embedder(offline_model.folder, offline_model.manifest, provider="cpu", threads=1)
    a = cls_embedder.embed_passages(["wing flutter at transonic speed"])[0]
    b = mean_embedder.embed_passages(["wing flutter at transonic speed"])[0]
    assert abs(np.linalg.norm(a) - 1) < 1e-5
    assert float(a @ b) < 0.99  # a different pooling gives a different vector


def test_fixed_padding_and_short_truncation_are_reset(embedder: Embedder) -> None:
    # The packaged tokenizer.json pads to 128 and truncates at 128; the model takes 256.
    assert embedder.count_tokens("short") == 3
    long_text = "word " * 1000
    assert embedder.count_tokens(long_text) == 256


def test_batching_does_not_change_vectors(embedder: Embedder) -> None:
    texts = [
        "a",
        "a much longer sentence about supersonic flow over a cone " * 5,
        "medium length text here",
    ]
    together = embedder.embed_passages(texts)
    alone = np.vstack([embedder.embed_passages([t])[0] for t in texts])
    assert np.allclose((together * alone).sum(axis=1), 1.0, atol=1e-5)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)


def test_many_texts_keep_their_order(embedder: Embedder) -> None:
    texts = [f"document number {i} " + "about wings " * (i % 17) for i in range(150)]
    vectors = embedder.embed_passages(texts)
    for i in (0, 37, 149):
        assert float(vectors[i] @ embedder.embed_passages([texts[i]])[0]) > 0.9999


def test_empty_input_gives_empty_matrix(embedder: Embedder) -> None:
    assert embedder.embed_passages([]).shape == (0, 384)


def test_provider_actually_in_use_is_reported(offline_model: ResolvedModel) -> None:
    cpu = Embedder(offline_model.folder, offline_model.manifest, provider="cpu", threads=1)
    assert cpu.provider.active == "CPUExecutionProvider" and cpu.provider.fallback_reason is None
    cuda = Embedder(offline_model.folder, offline_model.manifest, provider="cuda", threads=1)
    if "CUDAExecutionProvider" not in ort.get_available_providers():
        assert cuda.provider.active == "CPUExecutionProvider"
        assert cuda.provider.fallback_reason and "CUDAExecutionProvider" in cuda.provider.fallback_reason
    else:
        assert cuda.provider.active in ("CUDAExecutionProvider", "CPUExecutionProvider")
        assert (cuda.provider.active == "CUDAExecutionProvider") == (cuda.provider.fallback_reason is None)


def test_io_binding_path_gives_the_same_vectors(offline_model: ResolvedModel) -> None:
    """The GPU path binds inputs and output; with the CPU as the device it must agree exactly."""
    texts = ["short", "a longer passage about the boundary layer of a wing " * 5, "third text"]
    plain = Embedder(offline_model.folder, offline_model.manifest, provider="cpu", threads=1)
    bound = Embedder(offline_model.folder, offline_model.manifest, provider="cpu", threads=1)
    assert plain.io_binding_device is None  # only a CUDA session binds by default
    bound.io_binding_device = "cpu"
    np.testing.assert_allclose(bound.embed_passages(texts), plain.embed_passages(texts), atol=1e-6)


def test_memory_of_large_batches_is_handed_back(offline_model: ResolvedModel) -> None:
    """After a crawl-sized batch the process shrinks back: only Linux reports RSS this way."""
    if not Path("/proc/self/status").exists():
        pytest.skip("needs /proc")

    def rss_mb() -> float:
        line = next(x for x in Path("/proc/self/status").read_text().splitlines() if x.startswith("VmRSS"))
        return int(line.split()[1]) / 1024

    embedder = Embedder(offline_model.folder, offline_model.manifest, provider="cpu", threads=2)
    embedder.embed_passages(["warm up"])  # the passage session loaded, with a tiny batch
    before = rss_mb()
    texts = [f"passage {i} about the boundary layer and heat transfer " * 30 for i in range(64)]
    vectors = embedder.embed_passages(texts)
    grown = rss_mb()
    embedder.release_memory()
    after = rss_mb()
    assert grown - before > 20  # the batch's activations really were held
    assert after - before < (grown - before) / 2
    np.testing.assert_allclose(embedder.embed_passages(texts[:3]), vectors[:3], atol=1e-5)  # still works


def test_an_idle_model_is_unloaded_and_comes_back_on_use(offline_model: ResolvedModel) -> None:
    embedder = Embedder(offline_model.folder, offline_model.manifest, provider="cpu", threads=1)
    before = embedder.embed_query("boundary layer transition")
    assert not embedder.unload(idle_s=3600)  # just used: kept
    assert embedder.loaded and embedder.loads == 1

    assert embedder.unload(idle_s=0)
    assert not embedder.loaded
    embedder.release_memory()  # nothing held: nothing to do, no reload
    assert not embedder.loaded
    after = embedder.embed_query("boundary layer transition")  # loads again on use
    assert embedder.loaded and embedder.loads == 2
    np.testing.assert_allclose(after, before, atol=1e-6)

    assert embedder.unload(idle_s=0)
    embedder.warm_up()  # the window opening brings it back before the first key
    assert embedder.loaded and embedder.loads == 3
    assert embedder.count_tokens("boundary layer") > 2


def test_an_idle_passage_session_goes_while_queries_keep_theirs(
    offline_model: ResolvedModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a crawl the indexing session (and its arena) goes once idle, even while the user
    keeps searching; queries keep their own session, so they never wait for a reload."""
    clock = [1000.0]
    monkeypatch.setattr("desktop_search.core.model.embed.time.monotonic", lambda: clock[0])
    embedder = Embedder(offline_model.folder, offline_model.manifest, provider="cpu", threads=2)
    text = "The lift drops when the flow separates from the wing."
    passages = embedder.embed_passages([text])
    assert embedder.loads == 2  # one session for queries, one for passages
    clock[0] += 120
    query = embedder.embed_query("flow separation and lift")
    assert embedder.unload(idle_s=60)  # the passage session: idle for 120 s
    assert embedder.loaded
    loads = embedder.loads
    np.testing.assert_allclose(embedder.embed_query("flow separation and lift"), query, atol=1e-6)
    assert embedder.loads == loads  # queries did not reload
    np.testing.assert_allclose(embedder.embed_passages([text]), passages, atol=1e-5)
    assert embedder.loads == loads + 1
    assert not embedder.unload(idle_s=60)  # both just used
