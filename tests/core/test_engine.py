"""End to end through the engine: real files, real model, real SQLite and hnswlib."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path

import pytest

from desktop_search.core.errors import DataDirLockedError, UserError
from desktop_search.core.lock import WriterLock
from desktop_search.core.model.manifest import read_manifest, write_manifest
from desktop_search.core.model.provision import ResolvedModel
from desktop_search.core.paths import AppPaths
from desktop_search.core.settings import Settings, save_settings


def _names(response) -> list[str]:
    return [Path(r.path).name for r in response.results]


def test_index_then_search_finds_files_by_meaning(engine_factory, sample_folder: Path) -> None:
    engine = engine_factory()
    report = engine.index(engine.add_roots([sample_folder]))
    assert report.files_indexed == 4 and report.problems == []
    assert _names(engine.search("how do I bake a cake with bananas"))[0] == "banana-bread.md"
    assert _names(engine.search("what paperwork do I need for my taxes"))[0] == "tax-return.txt"
    assert _names(engine.search("retrying failed network requests"))[0] == "retry.py"
    garden = engine.search("looking after plants in the garden").results[0]
    assert Path(garden.path).name == "garden.html" and garden.title == "Garden notes"
    assert "console.log" not in garden.best.snippet  # scripts are not text


def test_results_carry_exact_offsets_into_the_text(engine_factory, sample_folder: Path) -> None:
    engine = engine_factory()
    engine.index(engine.add_roots([sample_folder]))
    for query in ("exponential backoff", "deductible expenses receipts", "ripe bananas"):
        result = engine.search(query).results[0]
        source = Path(result.path).read_text(encoding="utf-8")
        passage = result.best
        assert source[passage.start : passage.end] == passage.snippet
        assert passage.line == source.count("\n", 0, passage.start) + 1


def test_unchanged_rescan_embeds_nothing(engine_factory, sample_folder: Path) -> None:
    engine = engine_factory()
    roots = engine.add_roots([sample_folder])
    engine.index(roots)
    again = engine.index(roots)
    assert (again.files_indexed, again.chunks_embedded, again.files_unchanged) == (0, 0, 4)


def test_modify_delete_and_add_are_followed(engine_factory, sample_folder: Path) -> None:
    engine = engine_factory()
    roots = engine.add_roots([sample_folder])
    engine.index(roots)
    (sample_folder / "tax-return.txt").unlink()
    (sample_folder / "banana-bread.md").write_text(
        "# Sourdough\n\nFeed the starter with rye flour every day.\n"
    )
    (sample_folder / "moon.txt").write_text("The Apollo astronauts collected rocks on the lunar surface.")
    report = engine.index(roots)
    assert report.files_removed == 1 and report.files_indexed == 2
    assert "tax-return.txt" not in _names(engine.search("income tax return", limit=10))
    assert _names(engine.search("bread starter with rye flour"))[0] == "banana-bread.md"
    assert _names(engine.search("astronauts on the moon"))[0] == "moon.txt"
    status = engine.status()
    assert status.index.healthy and status.files == {"indexed": 4}


def test_touch_without_change_and_copies_reuse_vectors(engine_factory, sample_folder: Path) -> None:
    engine = engine_factory()
    roots = engine.add_roots([sample_folder])
    engine.index(roots)
    os.utime(sample_folder / "tax-return.txt", ns=(1, 1))
    (sample_folder / "backup").mkdir()
    shutil.copy(sample_folder / "banana-bread.md", sample_folder / "backup" / "banana-bread.md")
    report = engine.index(roots)
    assert report.chunks_embedded == 0  # same content: no model call
    assert report.chunks_reused >= 1 and report.files_indexed == 1


def test_failures_are_listed_and_do_not_stop_indexing(engine_factory, sample_folder: Path) -> None:
    (sample_folder / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    (sample_folder / "corrupt.txt").write_bytes(b"\x00\xff" * 500)
    (sample_folder / "empty.txt").write_text("")
    engine = engine_factory()
    report = engine.index(engine.add_roots([sample_folder]))
    reasons = {Path(p).name: (s, r) for p, s, r in report.problems}
    assert reasons["image.png"] == ("skipped", "unsupported file type (.png)")
    assert reasons["corrupt.txt"] == ("skipped", "binary content")
    assert _names(engine.search("banana bread"))[0] == "banana-bread.md"


def test_a_raised_size_limit_reads_the_files_it_now_admits(engine_factory, sample_folder: Path) -> None:
    big = sample_folder / "field-notes.txt"
    big.write_text("Observed a kingfisher diving for minnows by the weir. " * 12_000)  # ~0.65 MB
    engine = engine_factory()
    engine.apply_settings(dataclasses.replace(engine.settings, max_file_size_mb=0.5))
    roots = engine.add_roots([sample_folder])
    report = engine.index(roots)
    assert {Path(p).name: (s, r) for p, s, r in report.problems}["field-notes.txt"] == (
        "skipped",
        "larger than the 0.5 MB limit",
    )
    assert engine.index(roots).files_indexed == 0  # same limit: not read again

    engine.apply_settings(dataclasses.replace(engine.settings, max_file_size_mb=1))
    assert engine.index(roots).files_indexed == 1  # the file did not change; the limit did
    assert engine.store.problem_files() == []
    assert _names(engine.search("kingfisher diving"))[0] == "field-notes.txt"


def test_hidden_and_excluded_folders_and_the_data_dir_are_not_indexed(
    engine_factory, app_paths: AppPaths, sample_folder: Path
) -> None:
    (sample_folder / ".git").mkdir()
    (sample_folder / ".git" / "config.txt").write_text("repository settings")
    (sample_folder / "node_modules").mkdir()
    (sample_folder / "node_modules" / "lib.js").write_text("module.exports = 1")
    engine = engine_factory()
    engine.index(engine.add_roots([sample_folder, app_paths.data_dir.parent]))
    paths = {p for _, root in engine.roots() for p in engine.store.files_of_root(_)}
    assert not any(".git" in p or "node_modules" in p for p in paths)
    assert not any(p.startswith(str(app_paths.data_dir)) for p in paths)


def test_symlinks_are_not_followed_out_of_a_root(engine_factory, sample_folder: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "private.txt").write_text("secret diary entry")
    (sample_folder / "link").symlink_to(outside, target_is_directory=True)
    (sample_folder / "file-link.txt").symlink_to(outside / "private.txt")
    engine = engine_factory()
    root_id, _ = engine.add_roots([sample_folder])[0]
    engine.index()
    assert not any("private" in p or "file-link" in p for p in engine.store.files_of_root(root_id))


def test_forget_purges_text_vectors_and_index(
    engine_factory, app_paths: AppPaths, sample_folder: Path
) -> None:
    engine = engine_factory()
    engine.index(engine.add_roots([sample_folder]))
    engine.search("bananas")
    assert engine.forget(sample_folder) == 4
    assert engine.store.chunk_count() == 0 and engine.search("bananas").results == []
    blobs = b"".join(
        p.read_bytes() for p in app_paths.data_dir.rglob("*") if p.is_file() and "models" not in p.parts
    )
    assert b"ripe bananas" not in blobs
    with pytest.raises(UserError, match="not an indexed folder"):
        engine.forget(sample_folder)


def test_forgetting_a_folder_keeps_another_folder_inside_it(engine_factory, sample_folder: Path) -> None:
    """Documents and Documents/code both added: removing Documents keeps code's files, their
    text and vectors (nothing is read again), and forgets the rest."""
    engine = engine_factory()
    engine.index(engine.add_roots([sample_folder]))
    inner = sample_folder / "code"
    engine.index(engine.add_roots([inner]))
    assert engine.forget(sample_folder) == 3  # the three files outside code
    assert _names(engine.search("retry with backoff")) == ["retry.py"]  # at once, no rescan
    assert "banana-bread.md" not in _names(engine.search("ripe bananas"))
    again = engine.index()
    assert again.files_indexed == 0 and again.chunks_embedded == 0 and again.files_unchanged == 1
    assert engine.forget(inner) == 1 and engine.store.file_count() == 0


def test_forgetting_a_folder_inside_another_keeps_its_files(engine_factory, sample_folder: Path) -> None:
    """Documents/code added first, then Documents: removing code keeps its files indexed,
    as Documents still holds them."""
    engine = engine_factory()
    inner = sample_folder / "code"
    engine.index(engine.add_roots([inner]))
    engine.index(engine.add_roots([sample_folder]))
    assert engine.forget(inner) == 0
    assert _names(engine.search("retry with backoff"))[0] == "retry.py"
    again = engine.index()
    assert again.files_indexed == 0 and again.chunks_embedded == 0 and engine.store.file_count() == 4


def test_second_writer_is_refused_with_a_clear_error(
    engine_factory, app_paths: AppPaths, sample_folder: Path
) -> None:
    engine = engine_factory()
    roots = engine.add_roots([sample_folder])
    holder = WriterLock(app_paths.lock_file)
    assert holder.acquire()
    try:
        with pytest.raises(DataDirLockedError, match=f"pid {os.getpid()}"):
            engine.index(roots)
    finally:
        holder.release()
    assert engine.index(roots).files_indexed == 4


def test_a_new_model_never_mixes_into_the_index(
    engine_factory, app_paths: AppPaths, offline_model: ResolvedModel, sample_folder: Path
) -> None:
    engine = engine_factory()
    engine.index(engine.add_roots([sample_folder]))
    old_id = engine.status().model.id
    # A second model (same weights, another identity), chosen in the settings.
    other = app_paths.models_dir / "minilm-variant"
    shutil.copytree(offline_model.folder, other)
    write_manifest(
        other,
        dataclasses.replace(
            read_manifest(other), name="minilm-variant", sha256="0" * 64, variants=(), cpu_variant="fp32"
        ),
    )
    save_settings(app_paths.settings_file, Settings(model="minilm-variant", threads=2))
    switched = engine_factory()
    status = switched.status()
    assert status.model.id == old_id and status.model.reembed_needed  # old index serves
    assert _names(switched.search("bananas"))[0] == "banana-bread.md"
    report = switched.index()
    assert report.chunks_embedded > 0
    after = engine_factory().status()
    assert after.model.id == "minilm-variant@000000000000" and not after.model.reembed_needed
    assert after.index.vectors == {"minilm-variant@000000000000": switched.store.chunk_count()}


def test_titles_are_searchable(engine_factory, tmp_path: Path) -> None:
    folder = tmp_path / "named"
    folder.mkdir()
    (folder / "holiday.md").write_text("# Trip to Lisbon\n\nWe walked a lot and ate pastries.")
    (folder / "notes.txt").write_text("Remember to water the plants and call the plumber.")
    engine = engine_factory()
    engine.index(engine.add_roots([folder]))
    lisbon = engine.search("travel to Portugal").results[0]
    assert Path(lisbon.path).name == "holiday.md" and lisbon.title == "Trip to Lisbon"
    assert "pastries" in lisbon.best.snippet  # the snippet is real text, not the title


def test_many_deletes_compact_the_vector_index(engine_factory, tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(20):
        (folder / f"note{i:02d}.txt").write_text(f"Note number {i} about topic {i % 5}.")
    engine = engine_factory()
    roots = engine.add_roots([folder])
    engine.index(roots)
    for i in range(6):  # 30 % of the chunks die
        (folder / f"note{i:02d}.txt").unlink()
    engine.index(roots)
    health = engine.status().index
    assert health.ann_deleted == 0 and health.ann_live == 14 and health.healthy


def test_an_unavailable_folder_keeps_its_index_until_it_returns(engine_factory, sample_folder: Path) -> None:
    """An unmounted drive must not look like a folder whose files were all deleted."""
    engine = engine_factory()
    engine.index(engine.add_roots([sample_folder]))
    indexed = engine.store.status_counts().get("indexed", 0)
    unplugged = sample_folder.with_name("elsewhere")
    sample_folder.rename(unplugged)
    report = engine.index()
    assert engine.store.status_counts().get("indexed", 0) == indexed
    assert engine.search("ripe bananas", limit=1).results[0].path.endswith("banana-bread.md")
    unplugged.rename(sample_folder)
    report = engine.index()
    assert report.chunks_embedded == 0 and engine.store.status_counts().get("indexed", 0) == indexed


def test_idle_memory_release_and_model_unload_keep_search_working(
    engine_factory, sample_folder: Path
) -> None:
    engine = engine_factory()
    engine.index(engine.add_roots([sample_folder]))
    first = [r.path for r in engine.search("baking with ripe bananas", 3).results]
    engine.release_memory()  # SQLite page cache, onnxruntime arena, C heap
    assert engine.unload_idle_models(idle_s=3600) == 0  # just used
    assert engine.unload_idle_models(idle_s=0) == 1
    embedder = engine.searcher().embedder
    assert not embedder.loaded
    engine.warm_up()
    assert embedder.loaded
    assert [r.path for r in engine.search("baking with ripe bananas", 3).results] == first
    assert engine.unload_idle_models(idle_s=0) == 1
    (sample_folder / "new-note.md").write_text(
        "Notes on pruning apple trees in late winter.", encoding="utf-8"
    )
    engine.index()  # the indexer loads the model again for the new file
    assert engine.search("pruning apple trees", 1).results[0].path.endswith("new-note.md")


def test_a_forget_cut_short_is_finished_by_the_next_writer(
    engine_factory, app_paths: AppPaths, sample_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = engine_factory()
    engine.index(engine.add_roots([sample_folder]))
    engine.search("bananas")  # the saved hnswlib file holds the folder's vectors too
    engine.store.checkpoint()

    def power_cut() -> None:
        raise KeyboardInterrupt("the process died here")

    monkeypatch.setattr(engine, "_finish_purge", power_cut)
    with pytest.raises(KeyboardInterrupt):
        engine.forget(sample_folder)
    engine.close()
    monkeypatch.undo()

    def data_dir_bytes() -> bytes:
        files = [p for p in app_paths.data_dir.rglob("*") if p.is_file() and "models" not in p.parts]
        return b"".join(p.read_bytes() for p in files)

    again = engine_factory()
    assert again.store.chunk_count() == 0  # the delete itself was committed
    assert again.store.get_meta("purge_pending") == "1"
    again.index()  # any writer (index, watch, the app) finishes the purge first
    assert again.store.get_meta("purge_pending") == "0"
    assert b"ripe bananas" not in data_dir_bytes()
    # The saved hnswlib file was dropped; the one saved since holds no vector of the folder.
    sidecars = [json.loads(p.read_text()) for p in app_paths.ann_dir.glob("*.json")]
    assert all(sidecar["live"] == 0 for sidecar in sidecars)


def test_new_threads_or_provider_take_effect_while_the_app_runs(engine_factory, sample_folder: Path) -> None:
    # Issue 22, bug 1: the model cache was keyed by model id alone, so a session made with
    # the old thread count or execution provider stayed until the app restarted.
    engine = engine_factory()
    engine.index(engine.add_roots([sample_folder]))
    assert engine.status().provider.threads == 2
    engine.apply_settings(dataclasses.replace(engine.settings, threads=1, provider="cpu"))
    status = engine.status().provider
    assert (status.threads, status.requested) == (1, "cpu")
    assert engine.make_indexer().embedder.threads == 1
    top = engine.search("ripe bananas baked in the oven").results[0]  # the new session answers
    assert Path(top.path).name == "banana-bread.md"


def test_a_model_loaded_while_forget_rebuilds_the_indexes_breaks_nothing(
    engine_factory, sample_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 22, bug 3: forget rebuilt the saved indexes while iterating the model cache
    # without its lock; a model loaded meanwhile (a search, the indexer) broke the iteration.
    from desktop_search.core.ann import AnnIndex

    engine = engine_factory()
    engine.index(engine.add_roots([sample_folder, sample_folder / "code"]))
    real_rebuild = AnnIndex.rebuild
    loaded_meanwhile: list[str] = []

    def rebuild_while_another_model_loads(self: AnnIndex, store: object, *args: object, **kw: object) -> None:
        if not loaded_meanwhile and engine.store.get_meta("purge_pending") == "1":  # within forget
            loaded_meanwhile.append("loading")
            engine.apply_settings(dataclasses.replace(engine.settings, precision="fp32"))
            loaded_meanwhile[0] = engine.make_indexer().embedder.model_id  # loads a second model
        real_rebuild(self, store, *args, **kw)

    monkeypatch.setattr(AnnIndex, "rebuild", rebuild_while_another_model_loads)
    engine.forget(sample_folder / "code")
    assert loaded_meanwhile and loaded_meanwhile[0] != engine.search_model().manifest.model_id
    assert [Path(r.path).name for r in engine.search("flaky network call retried", limit=1).results] == [
        "retry.py"
    ]  # the outer folder still holds it


def test_a_file_and_its_copies_are_all_found_by_meaning(engine_factory, sample_folder: Path) -> None:
    # Issue 22, bug 6: a file plus two identical copies added later: dense search returned
    # only the copies. Identical passages tie exactly; they are now found together.
    engine = engine_factory()
    engine.index(engine.add_roots([sample_folder]))
    for name in ("copy-one", "copy-two"):
        shutil.copy(sample_folder / "banana-bread.md", sample_folder / f"{name}.md")
    (sample_folder / "tax-return.txt").unlink()  # deletes leave dead labels in the graph
    engine.index()
    (sample_folder / "tax-return.txt").write_text("Income tax return checklist and deadlines.")
    engine.index()
    for mode in ("dense", "hybrid"):
        found = [Path(r.path).name for r in engine.search("ripe bananas baked in a loaf", 200, mode).results]
        assert {"banana-bread.md", "copy-one.md", "copy-two.md"} <= set(found[:3]), (mode, found)
        restricted = engine.search("ripe bananas baked in a loaf type:md", 200, mode).results
        assert {"banana-bread.md", "copy-one.md", "copy-two.md"} == {Path(r.path).name for r in restricted}
