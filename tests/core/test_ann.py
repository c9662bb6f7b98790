"""The hnswlib cache: verified before load, rebuilt from SQLite on any mismatch."""

from __future__ import annotations

import json
from pathlib import Path

import hnswlib
import pytest

from desktop_search.core.ann import AnnIndex, capacity_for
from desktop_search.core.chunk import Chunk
from desktop_search.core.model.embed import Embedder
from desktop_search.core.records import NewChunk
from desktop_search.core.store import Store

TEXTS = [
    "supersonic flow over a cone",
    "heat transfer in a laminar boundary layer",
    "flutter of a cantilever wing",
    "banana bread recipe with walnuts",
    "income tax deadline and deductible expenses",
    "buckling of thin cylindrical shells under pressure",
]


@pytest.fixture
def filled(tmp_path: Path, embedder: Embedder) -> tuple[Store, AnnIndex, Embedder]:
    store = Store(tmp_path / "db.sqlite3")
    root = store.add_root("/r")
    vectors = embedder.embed_passages(TEXTS)
    for i, (text, vector) in enumerate(zip(TEXTS, vectors, strict=True)):
        chunk = NewChunk(Chunk(text, 0, len(text), 1), "text", vector)
        store.replace_file_chunks(root, f"/r/{i}.txt", (1, 1, i), f"h{i}", None, [chunk], embedder.model_id)
    ann = AnnIndex(tmp_path / "ann", embedder.model_id, embedder.dimension)
    ann.open(store)
    ann.save(store.vectors_generation())
    return store, ann, embedder


def _top_text(store: Store, ann: AnnIndex, embedder: Embedder, query: str) -> str:
    ids, _ = ann.query(embedder.embed_query(query), 3)
    return store.chunk_hits(ids[:1])[ids[0]].text


def _reopen(store: Store, ann: AnnIndex, monkeypatch: pytest.MonkeyPatch) -> tuple[AnnIndex, list[str]]:
    loads: list[str] = []
    original = hnswlib.Index.load_index

    def counting_load(self: hnswlib.Index, path: str, *args: object, **kwargs: object) -> None:
        loads.append(path)
        original(self, path, *args, **kwargs)

    monkeypatch.setattr(hnswlib.Index, "load_index", counting_load)
    fresh = AnnIndex(ann.index_file.parent, ann.model_id, ann.dimension)
    fresh.open(store)
    return fresh, loads


def test_saved_index_is_loaded_when_it_verifies(filled, monkeypatch: pytest.MonkeyPatch) -> None:
    store, ann, embedder = filled
    fresh, loads = _reopen(store, ann, monkeypatch)
    assert loads == [str(ann.index_file)]
    assert fresh.health().loaded_from_disk and len(fresh) == len(TEXTS)
    assert _top_text(store, fresh, embedder, "cake with bananas") == "banana bread recipe with walnuts"


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda f: f.write_bytes(f.read_bytes()[: f.stat().st_size // 3]), "size"),
        (lambda f: f.write_bytes(b"\x00" * 64 + f.read_bytes()[64:]), "checksum"),
        (lambda f: f.write_bytes(b""), "size"),
        (lambda f: f.unlink(), "no saved index"),
    ],
    ids=["truncated", "garbled", "empty", "missing"],
)
def test_damaged_index_is_rebuilt_never_loaded(
    filled, monkeypatch: pytest.MonkeyPatch, damage, reason: str
) -> None:
    store, ann, embedder = filled
    damage(ann.index_file)
    fresh, loads = _reopen(store, ann, monkeypatch)
    assert loads == []  # the damaged file never reached hnswlib
    health = fresh.health()
    assert not health.loaded_from_disk and reason in (health.rebuild_reason or "")
    assert len(fresh) == len(TEXTS)
    assert _top_text(store, fresh, embedder, "taxes owed to the government") == TEXTS[4]


def test_missing_or_wrong_sidecar_forces_rebuild(filled, monkeypatch: pytest.MonkeyPatch) -> None:
    store, ann, _ = filled
    ann.sidecar_file.unlink()
    _, loads = _reopen(store, ann, monkeypatch)
    assert loads == []
    ann.save(store.vectors_generation())
    data = json.loads(ann.sidecar_file.read_text())
    ann.sidecar_file.write_text(json.dumps({**data, "model_id": "another@model"}))
    _, loads = _reopen(store, ann, monkeypatch)
    assert loads == []


def test_index_older_than_database_is_rebuilt(filled, monkeypatch: pytest.MonkeyPatch) -> None:
    store, ann, embedder = filled
    removed = store.delete_files(["/r/3.txt"])  # the DB moves on; the saved file does not
    assert removed
    fresh, loads = _reopen(store, ann, monkeypatch)
    assert loads == [] and len(fresh) == len(TEXTS) - 1
    assert _top_text(store, fresh, embedder, "cake with bananas") != TEXTS[3]


def test_deletes_hide_items_and_compaction_threshold(filled) -> None:
    _store, ann, embedder = filled
    ids, _ = ann.query(embedder.embed_query("banana"), len(TEXTS))
    ann.remove(ids[:1])
    remaining, _ = ann.query(embedder.embed_query("banana"), len(TEXTS))
    assert ids[0] not in remaining and len(remaining) == len(TEXTS) - 1  # k clamped to live items
    assert not ann.needs_compaction()
    ann.remove(ids[1:2])
    assert ann.needs_compaction()  # 2 of 6 deleted > 20 %
    ann.remove(ids[1:2])  # deleting twice is harmless
    assert len(ann) == len(TEXTS) - 2


def test_query_on_empty_index_returns_nothing(tmp_path: Path, embedder: Embedder) -> None:
    ann = AnnIndex(tmp_path, embedder.model_id, embedder.dimension)
    assert ann.query(embedder.embed_query("anything"), 10) == ([], [])


def test_growing_past_capacity_resizes(tmp_path: Path, embedder: Embedder) -> None:
    ann = AnnIndex(tmp_path, embedder.model_id, embedder.dimension)
    texts = [f"note {i} about topic {i % 7}" for i in range(1500)]
    ann.add(list(range(1, 1501)), embedder.embed_passages(texts))
    assert len(ann) == 1500
    ids, scores = ann.query(embedder.embed_query(texts[700]), 5)
    assert ids[0] == 701 and scores[0] > 0.99


def test_a_saved_index_is_loaded_with_room_for_what_it_holds(tmp_path: Path, embedder: Embedder) -> None:
    store = Store(tmp_path / "db.sqlite3")  # no vectors: a load that failed would rebuild it empty
    ann = AnnIndex(tmp_path / "ann", embedder.model_id, embedder.dimension)
    texts = [f"note {i} about topic {i % 7}" for i in range(1500)]
    vectors = embedder.embed_passages(texts)
    ann.add(list(range(1, 1501)), vectors)
    ann.add(list(range(1, 1501)), vectors)  # updated in place: it grows as if for 3000, as a crawl does
    ann.save(store.vectors_generation())
    grown = json.loads(ann.sidecar_file.read_text())["capacity"]  # what the saved file was made for
    assert grown > capacity_for(1500)

    reloaded = AnnIndex(tmp_path / "ann", embedder.model_id, embedder.dimension)
    assert reloaded.open(store).loaded_from_disk and len(reloaded) == 1500
    reloaded.save(store.vectors_generation())
    assert json.loads(reloaded.sidecar_file.read_text())["capacity"] == capacity_for(1500) < grown
    ids, _ = reloaded.query(embedder.embed_query(texts[42]), 3)
    assert ids[0] == 43
    reloaded.add([2001], embedder.embed_passages(["one more note"]))  # still grows
    assert len(reloaded) == 1501


def test_queries_go_on_while_a_save_checksums_the_file(filled, monkeypatch: pytest.MonkeyPatch) -> None:
    # Issue 22, bug 5: save() hashed the written file (168 MB at 100k chunks) holding the
    # query lock, so every search waited for every save.
    import threading

    from desktop_search.core import ann as ann_module

    store, ann, embedder = filled
    hashing, release = threading.Event(), threading.Event()
    real_sha256 = ann_module.sha256_of

    def slow_sha256(path: Path) -> str:
        hashing.set()
        release.wait(10)
        return real_sha256(path)

    monkeypatch.setattr(ann_module, "sha256_of", slow_sha256)
    saver = threading.Thread(target=ann.save, args=(store.vectors_generation(),))
    saver.start()
    try:
        assert hashing.wait(10)
        answered: list[str] = []
        query = threading.Thread(
            target=lambda: answered.append(_top_text(store, ann, embedder, "banana bread"))
        )
        query.start()
        query.join(5)
        assert answered == ["banana bread recipe with walnuts"]  # answered while the hash runs
    finally:
        release.set()
        saver.join(10)
    monkeypatch.setattr(ann_module, "sha256_of", real_sha256)
    fresh, loads = _reopen(store, ann, monkeypatch)
    assert loads and fresh.health().loaded_from_disk  # the sidecar written after it verifies


def test_duplicates_deletes_and_re_adds_keep_every_vector_reachable(
    tmp_path: Path, embedder: Embedder
) -> None:
    # Issue 22, bug 6: a file's passages, then two identical copies: dense search once found
    # only the copies. Real passage vectors, many exact duplicates (a file copied up to 12
    # times), deletes and re-adds of the same vectors under new labels, and updates of a
    # label in place; every live label must be found by its own vector, as brute force finds it.
    import random

    import numpy as np

    words = "wing flow heat shell buckling boundary layer pressure shock cone flutter panel".split()
    rng = random.Random(7)
    texts = [" ".join(rng.choice(words) for _ in range(12)) for _ in range(150)]
    base = embedder.embed_passages(texts)
    ann = AnnIndex(tmp_path / "ann", embedder.model_id, embedder.dimension)
    live: dict[int, int] = {}  # label -> row of base
    next_label = 1

    def add(rows: list[int]) -> None:
        nonlocal next_label
        labels = list(range(next_label, next_label + len(rows)))
        next_label += len(rows)
        ann.add(labels, base[rows])
        live.update(zip(labels, rows, strict=True))

    add(list(range(len(texts))))
    for _ in range(40):
        add([row for row in rng.sample(range(len(texts)), 5) for _ in range(rng.randint(1, 3))])  # copies
        gone = rng.sample(sorted(live), 8)
        ann.remove(gone)
        for label in gone:
            del live[label]
        again = rng.sample(sorted(live), 3)  # updated in place with the same vector
        ann.add(again, base[[live[label] for label in again]])
    lost = []
    for row in set(live.values()):
        wanted = {label for label, r in live.items() if r == row}
        exact = {label for label, r in live.items() if np.dot(base[r], base[row]) > 0.9999}
        ids, _ = ann.query(base[row], len(exact) + 5)
        lost += sorted(wanted - set(ids))
    assert lost == [], f"{len(lost)} of {len(live)} vectors unreachable"
    assert len(ann) == len(live)  # updates in place once counted as adds: k then overshot
    everything, _ = ann.query(base[0], 10_000)
    assert sorted(everything) == sorted(live)  # all of them, not the half left after a failed k
    few = set(rng.sample(sorted(live), 9))
    assert set(ann.query(base[0], 64, allowed=few)[0]) == few  # filtered: as many as allowed
