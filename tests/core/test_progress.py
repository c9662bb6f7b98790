"""The core's one progress protocol: every long operation reports ``Progress`` snapshots that
count up to their total, in units a progress bar can name."""

from __future__ import annotations

from pathlib import Path

from desktop_search.core.ann import REBUILDING, AnnIndex
from desktop_search.core.chunk import Chunk
from desktop_search.core.indexer import IndexProgress
from desktop_search.core.model.embed import Embedder
from desktop_search.core.progress import Progress
from desktop_search.core.records import NewChunk
from desktop_search.core.store import Store


def test_fraction_is_known_only_with_a_total() -> None:
    assert Progress("scanning", 0, 0).fraction is None
    assert Progress("indexing", 1, 4).fraction == 0.25
    assert Progress("downloading", 12, 10, "bytes").fraction == 1.0  # a server that undercounts


def _counts_up(steps: list[Progress]) -> bool:
    dones = [step.done for step in steps]
    return dones == sorted(dones) and steps[-1].done == steps[-1].total


def test_embedding_reports_passages(embedder: Embedder) -> None:
    steps: list[Progress] = []
    embedder.embed_passages([f"passage number {i} about gliders" for i in range(70)], progress=steps.append)
    assert steps and {(s.phase, s.unit) for s in steps} == {("embedding", "passages")}
    assert _counts_up(steps) and steps[-1].total == 70


def test_rebuilding_the_vector_index_reports_vectors(tmp_path: Path, embedder: Embedder) -> None:
    store = Store(tmp_path / "db.sqlite3")
    root = store.add_root("/r")
    texts = ["supersonic flow over a cone", "banana bread with walnuts", "income tax deadline"]
    for i, (text, vector) in enumerate(zip(texts, embedder.embed_passages(texts), strict=True)):
        chunk = NewChunk(Chunk(text, 0, len(text), 1), "text", vector)
        store.replace_file_chunks(root, f"/r/{i}.txt", (1, 1, i), f"h{i}", None, [chunk], embedder.model_id)
    steps: list[Progress] = []
    AnnIndex(tmp_path / "ann", embedder.model_id, embedder.dimension).rebuild(store, steps.append)
    assert {(s.phase, s.unit) for s in steps} == {(REBUILDING, "vectors")}
    assert _counts_up(steps) and steps[-1].total == 3
    store.close()


def test_indexing_reports_files_with_speed(engine_factory, sample_folder: Path) -> None:
    engine = engine_factory()
    steps: list[IndexProgress] = []
    report = engine.index(engine.add_roots([sample_folder]), progress=steps.append)
    assert report.files_indexed == 4
    assert all(isinstance(step, IndexProgress) and step.unit == "files" for step in steps)
    assert steps[0].phase == "scanning" and steps[0].total == 0  # not known yet
    counted = [step for step in steps if step.phase == "indexing"]
    assert _counts_up(counted) and counted[-1].total == 4
    assert counted[-1].chunks_embedded >= 4 and counted[-1].elapsed_s > 0
