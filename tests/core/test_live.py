"""The live index follows the folder exactly: real watchdog events on temp folders."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from desktop_search.core.engine import Engine
from desktop_search.core.extract import is_supported
from desktop_search.core.indexer import REEMBEDDING, IndexProgress
from desktop_search.core.live import LiveIndexer
from desktop_search.core.model.registry import MINILM
from desktop_search.core.paths import AppPaths
from desktop_search.core.records import STATUS_INDEXED, FileState
from desktop_search.core.scan import ScanRules, os_paths, scan_root, stat_file, stored_path
from desktop_search.core.settings import Settings, save_settings
from desktop_search.core.status import WatchStatus
from tests.fixtures import documents as docs

QUIET_S = 0.2


def folder_state(folder: Path) -> dict[str, str]:
    """What the index should hold: supported files and the sha256 of their bytes."""
    return {
        s.path: hashlib.sha256(Path(s.path).read_bytes()).hexdigest()
        for s in scan_root(folder, ScanRules())
        if is_supported(Path(s.path))
    }


def indexed_files(engine: Engine) -> dict[str, FileState]:
    """The indexed files, read on the search side's connection (never behind the writer)."""
    reads = engine.reads
    return {
        path: state
        for root_id, _ in reads.roots()
        for path, state in reads.files_of_root(root_id).items()
        if state.status == STATUS_INDEXED
    }


def index_state(engine: Engine) -> dict[str, str]:
    return {path: state.content_hash or "" for path, state in indexed_files(engine).items()}


def status_of(engine: Engine, path: str) -> str | None:
    state = engine.reads.file_state(path)
    return None if state is None else state.status


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> bool:
    """Whether ``condition`` came true before the deadline (polled, not one fixed wait)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def assert_follows(engine: Engine, live: LiveIndexer, folder: Path) -> None:
    ok = wait_until(lambda: live.wait_idle(0.5) and index_state(engine) == folder_state(folder))
    assert ok, (index_state(engine), folder_state(folder))
    assert engine.store.pragma("quick_check") == [("ok",)]
    # No chunk stored twice (two writers, or one batch applied twice).
    file_ids = [state.id for state in indexed_files(engine).values()]
    hits = engine.reads.chunk_hits(sorted(engine.reads.chunk_ids_of(file_ids)))
    spans = Counter((h.file_id, h.kind, h.start, h.end, h.page) for h in hits.values())
    assert [span for span, count in spans.items() if count > 1] == []


@pytest.fixture
def live_setup(engine_factory, sample_folder: Path) -> Iterator[tuple[Engine, LiveIndexer, Path]]:
    engine = engine_factory()
    engine.add_roots([sample_folder])
    live = LiveIndexer(engine, quiet_s=QUIET_S)
    live.start()
    assert_follows(engine, live, sample_folder)
    yield engine, live, sample_folder
    assert live.stop(timeout=10)


def _top(engine: Engine, query: str) -> str:
    return Path(engine.search(query).results[0].path).name


def test_create_modify_delete(live_setup) -> None:
    engine, live, folder = live_setup
    assert live.state().roots == {str(folder.resolve()): "watching"}
    assert engine.status().watch == WatchStatus(os.getpid(), {str(folder.resolve()): "watching"})
    (folder / "volcano.txt").write_text("Volcanoes erupt molten lava from the mantle.")
    assert_follows(engine, live, folder)
    assert _top(engine, "lava eruption") == "volcano.txt"
    (folder / "volcano.txt").write_text("Glaciers carve deep valleys over thousands of years.")
    assert_follows(engine, live, folder)
    assert _top(engine, "ice shaping valleys") == "volcano.txt"
    (folder / "tax-return.txt").unlink()
    assert_follows(engine, live, folder)
    assert "tax-return.txt" not in [Path(r.path).name for r in engine.search("income tax").results]


def test_rename_and_move_embed_nothing(live_setup) -> None:
    engine, live, folder = live_setup
    embedded = engine.make_indexer().embedder.texts_embedded
    (folder / "banana-bread.md").rename(folder / "baking.md")
    (folder / "archive").mkdir()
    (folder / "tax-return.txt").rename(folder / "archive" / "tax-2024.txt")
    assert_follows(engine, live, folder)
    assert engine.make_indexer().embedder.texts_embedded == embedded
    assert _top(engine, "banana bread recipe") == "baking.md"
    assert _top(engine, "income tax checklist") == "tax-2024.txt"


def test_directory_moved_in_and_out(live_setup, tmp_path: Path) -> None:
    engine, live, folder = live_setup
    outside = tmp_path / "elsewhere"
    (outside / "deep").mkdir(parents=True)
    (outside / "deep" / "comet.txt").write_text("A comet's tail points away from the sun.")
    (outside / "orbit.md").write_text("# Orbits\n\nPlanets follow elliptical orbits.")
    shutil.move(str(outside), str(folder / "space"))  # one event for the whole tree
    assert_follows(engine, live, folder)
    assert _top(engine, "comet tail and the sun") == "comet.txt"
    shutil.move(str(folder / "space"), str(tmp_path / "gone"))
    assert_follows(engine, live, folder)
    assert all("space" not in p for p in index_state(engine))


def test_editor_style_save_via_temp_file_and_rename(live_setup) -> None:
    engine, live, folder = live_setup
    target = folder / "tax-return.txt"
    temp = folder / ".tax-return.txt.swp-new"
    temp.write_text("Property tax is due in November; pay it online or at the town hall.")
    os.replace(temp, target)
    assert_follows(engine, live, folder)
    assert "town hall" in engine.search("paying property tax").results[0].best.snippet


def test_pause_holds_work_and_resume_catches_up(live_setup) -> None:
    engine, live, folder = live_setup
    live.pause()
    assert live.state().paused
    note = folder / "sleep.txt"
    note.write_text("Adults need seven to nine hours of sleep each night.")
    assert wait_until(lambda: len(live.events) > 0)  # the watcher saw it and queued the path
    # While paused nothing is indexed, even well after the quiet period: this wait is meant
    # to run out.
    assert not wait_until(lambda: status_of(engine, str(note)) is not None, timeout=5 * QUIET_S)
    assert len(live.events) > 0  # still held for later
    live.resume()
    assert_follows(engine, live, folder)


def test_ignored_paths_make_no_work(live_setup) -> None:
    engine, live, folder = live_setup
    (folder / "node_modules").mkdir()
    (folder / "node_modules" / "lib.js").write_text("module.exports = {}")
    (folder / ".gitignore").write_text("*.log\n")
    (folder / "debug.log").write_text("lots of noise")
    assert_follows(engine, live, folder)
    assert not any("node_modules" in p or p.endswith(".log") for p in index_state(engine))


def test_stop_saves_a_loadable_index(engine_factory, sample_folder: Path) -> None:
    engine = engine_factory()
    engine.add_roots([sample_folder])
    live = LiveIndexer(engine, quiet_s=QUIET_S)
    live.start()
    assert live.wait_idle(60)
    (sample_folder / "late.txt").write_text("Hummingbirds hover by beating their wings quickly.")
    assert wait_until(lambda: str(sample_folder / "late.txt") in index_state(engine))
    started = time.monotonic()
    assert live.stop(timeout=10)
    assert time.monotonic() - started < 2.0
    fresh = engine_factory()
    status = fresh.status()
    assert status.index.ann_loaded_from_disk and status.index.healthy
    assert _top(fresh, "birds hovering") == "late.txt"


def test_second_live_indexer_reports_the_lock(engine_factory, sample_folder: Path) -> None:
    first = engine_factory()
    first.add_roots([sample_folder])
    one = LiveIndexer(first, quiet_s=QUIET_S)
    one.start()
    two = LiveIndexer(engine_factory(), quiet_s=QUIET_S)
    two.start()
    assert wait_until(lambda: two.state().error is not None, 10)
    assert "Another Desktop Search process" in (two.state().error or "")
    assert one.stop()


def test_failed_watcher_falls_back_to_polling(engine_factory, sample_folder: Path) -> None:
    class FailingObserver:
        """Fault injection: an observer whose start hits the inotify watch limit."""

        def schedule(self, *args: object, **kwargs: object) -> None:
            pass

        def start(self) -> None:
            raise OSError(28, "No space left on device")

        def stop(self) -> None:
            pass

        def is_alive(self) -> bool:
            return False

    engine = engine_factory()
    engine.add_roots([sample_folder])
    live = LiveIndexer(engine, quiet_s=QUIET_S, poll_interval_s=0.5)
    live.watcher.observer_factory = FailingObserver  # type: ignore[assignment]
    live.start()
    assert wait_until(lambda: bool(live.state().roots))
    (mode,) = live.state().roots.values()
    assert mode.startswith("polling") and "max_user_watches" in mode
    assert engine.status().watch.roots == live.state().roots
    (sample_folder / "polled.txt").write_text("Found by a periodic scan, not by an event.")
    assert_follows(engine, live, sample_folder)
    assert live.stop()


def test_no_change_rescan_reads_no_file(engine_factory, sample_folder: Path, monkeypatch) -> None:
    engine = engine_factory()
    roots = engine.add_roots([sample_folder])
    engine.index(roots)
    reads: list[Path] = []
    pool = engine.extraction_pool()
    real_extract_many = pool.extract_many

    def counting_extract_many(jobs):  # type: ignore[no-untyped-def]
        reads.extend(path for path, _ in jobs)
        return real_extract_many(jobs)

    monkeypatch.setattr(pool, "extract_many", counting_extract_many)
    report = engine.index(roots)
    assert reads == [] and report.files_unchanged == 4 and report.chunks_embedded == 0
    (sample_folder / "tax-return.txt").write_text("changed")
    engine.index(roots)
    assert reads == [sample_folder.resolve() / "tax-return.txt"]


def test_searching_while_indexing_never_rebuilds_the_shared_index(live_setup, monkeypatch) -> None:
    from desktop_search.core.ann import AnnIndex

    engine, live, folder = live_setup
    rebuilds: list[int] = []
    real_rebuild = AnnIndex.rebuild
    monkeypatch.setattr(
        AnnIndex, "rebuild", lambda self, *a, **k: rebuilds.append(1) or real_rebuild(self, *a, **k)
    )
    for i in range(40):
        (folder / f"note{i}.txt").write_text(f"Field note {i}: the river rose {i} centimetres overnight.")
    deadline = time.monotonic() + 30
    while len(index_state(engine)) < 44 and time.monotonic() < deadline:
        engine.search("river level overnight")  # concurrently with the writer thread
    assert_follows(engine, live, folder)
    assert rebuilds == []


def test_pause_during_the_first_scan_does_not_lose_files(engine_factory, tmp_path: Path) -> None:
    folder = tmp_path / "many"
    for i in range(300):
        sub = folder / f"d{i % 10}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"n{i}.txt").write_text(f"Short note number {i}.")
    engine = engine_factory()
    engine.add_roots([folder])
    live = LiveIndexer(engine, quiet_s=QUIET_S)
    live.start()
    assert wait_until(lambda: live.state().busy)  # the first scan (or its embedding) has begun
    live.pause()
    assert wait_until(lambda: not live.state().busy)  # the writer has stopped where it was
    assert len(index_state(engine)) < 300
    live.resume()
    assert_follows(engine, live, folder)
    assert live.stop()


def test_a_name_that_is_not_utf8_is_indexed_followed_and_forgotten(live_setup) -> None:
    """Such names (bytes from another system's encoding) are stored as private-use characters
    and restored whenever the file is opened: created, found, renamed and deleted live."""
    engine, _live, folder = live_setup
    raw = os.fsencode(folder) + b"/r\xe9sum\xe9-\xff.txt"  # Latin-1 bytes: not UTF-8
    with open(raw, "wb") as handle:
        handle.write(b"Curriculum vitae: twelve years of bridge engineering in Lyon.")
    stored = stored_path(os.fsdecode(raw))
    assert stored != os.fsdecode(raw) and stored.encode("utf-8")

    assert wait_until(lambda: status_of(engine, stored) == STATUS_INDEXED)
    top = engine.search("bridge engineer curriculum vitae").results[0]
    assert top.path == stored and os.path.exists(os_paths(top.path)[0])  # opens the real file
    renamed = os.fsencode(folder) + b"/cv-\xe9.txt"
    os.rename(raw, renamed)
    assert wait_until(lambda: status_of(engine, stored_path(os.fsdecode(renamed))) == STATUS_INDEXED)
    assert wait_until(lambda: status_of(engine, stored) is None)
    os.unlink(renamed)
    assert wait_until(lambda: status_of(engine, stored_path(os.fsdecode(renamed))) is None)


def test_stored_paths_round_trip_and_private_use_names_still_open(tmp_path: Path) -> None:
    undecodable = os.fsdecode(os.fsencode(tmp_path) + b"/caf\xe9-\x80\xff.txt")
    Path(undecodable).write_text("x")
    stored = stored_path(undecodable)
    assert stored.encode("utf-8") and os_paths(stored)[0] == undecodable
    seen = stat_file(stored)
    assert seen is not None and seen.path == stored and seen.open_path == undecodable
    # A real name may hold those private-use characters: it is found as it is.
    private = str(tmp_path / "notes-\uf7e9.txt")
    Path(private).write_text("y")
    assert stored_path(private) == private
    seen = stat_file(private)
    assert seen is not None and seen.open_path == private
    assert stored_path("plain/ascii.txt") == "plain/ascii.txt" and stored_path("été.txt") == "été.txt"


def test_a_new_model_reembeds_the_stored_text_with_no_file_changing(
    engine_factory, app_paths: AppPaths, sample_folder: Path
) -> None:
    save_settings(app_paths.settings_file, Settings(model=MINILM.name, threads=2, precision="int8"))
    first = engine_factory()
    first.index(first.add_roots([sample_folder]))
    old_model = first.status().model.id
    first.close()
    # The settings change (as Settings or a finished model download do); no file changes.
    save_settings(app_paths.settings_file, Settings(model=MINILM.name, threads=2, precision="fp32"))
    engine = engine_factory()
    assert engine.status().model.reembed_needed
    seen: list[IndexProgress] = []
    live = LiveIndexer(engine, quiet_s=QUIET_S, progress=seen.append)
    live.start()
    try:
        assert wait_until(lambda: not engine.status().model.reembed_needed, timeout=60)
    finally:
        assert live.stop(timeout=10)
    status = engine.status()
    assert status.model.id != old_model and list(status.index.vectors) == [status.model.id]
    reembedding = [p for p in seen if p.phase == REEMBEDDING]
    chunks = engine.store.chunk_count()
    assert reembedding and reembedding[0].done == 0 and reembedding[0].total == chunks
    assert _top(engine, "bananas") == "banana-bread.md"


def _unlock_in_place(pdf: Path, text: str) -> None:
    """The password removed, the file keeping its size and modified time: nothing a watcher
    or a rescan could tell from the outside."""
    stat = pdf.stat()
    readable = docs.pdf_bytes([[text]])
    pdf.write_bytes(readable + b" " * (stat.st_size - len(readable)))  # blanks after %%EOF
    os.utime(pdf, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_retry_reads_the_chosen_problem_files_again_at_once(live_setup) -> None:
    engine, live, folder = live_setup
    lease = docs.write(folder, "lease.pdf", docs.encrypted_pdf_bytes([["secret"]]))
    boiler = docs.write(folder, "boiler.pdf", docs.encrypted_pdf_bytes([["secret"]]))
    assert wait_until(lambda: live.wait_idle(0.5) and len(engine.store.problem_files()) == 2)
    _unlock_in_place(lease, "The lease ends in March; give notice by January.")
    _unlock_in_place(boiler, "The boiler service is due before winter.")
    # The writes do send events, but size, time and inode say "unchanged": for three quiet
    # periods (the hints released and compared with the disk) the list stays as it is. This
    # wait is meant to run out.
    assert not wait_until(lambda: len(engine.store.problem_files()) != 2, timeout=3 * QUIET_S)
    assert live.wait_idle(5) and len(engine.store.problem_files()) == 2  # nothing told it

    live.retry_problems([str(lease)])  # "Retry selected"
    assert wait_until(lambda: [p for p, *_ in engine.store.problem_files()] == [str(boiler)])
    assert _top(engine, "when does the lease end") == "lease.pdf"
    live.retry_problems()  # "Retry all"
    assert wait_until(lambda: engine.store.problem_files() == [])
    assert _top(engine, "boiler service before winter") == "boiler.pdf"


def test_new_settings_are_taken_by_the_writer_between_batches(live_setup) -> None:
    # Issue 22, bug 2: the app stopped the indexer (waiting up to 10 s on the GUI thread) and
    # started another for every settings change. Now the running writer takes them itself.
    engine, live, folder = live_setup
    new = dataclasses.replace(engine.settings, threads=1, exclude_patterns=("code",))
    live.apply_settings(new)
    assert wait_until(lambda: engine.settings == new and live.wait_idle(0.5))
    assert live.state().running and live.state().error is None  # the same loop, still going
    assert engine.status().provider.threads == 1
    assert not [p for p in index_state(engine) if "/code/" in p]  # the new exclusion applies
    (folder / "later.txt").write_text("Written after the settings changed: dentist on Tuesday.")
    assert wait_until(lambda: any(p.endswith("later.txt") for p in index_state(engine)))


def test_pause_resume_and_state_never_wait_for_the_database(live_setup) -> None:
    # Issue 22, bug 4: pause()/resume() read SQLite on the caller's thread (the GUI's), so
    # behind a long write or a VACUUM the window froze.
    import threading

    engine, live, _folder = live_setup
    holding, release = threading.Event(), threading.Event()

    def long_write() -> None:
        with engine.store.transaction():
            holding.set()
            release.wait(10)

    writer = threading.Thread(target=long_write)
    writer.start()
    try:
        assert holding.wait(5)
        answered: list[bool] = []
        gui = threading.Thread(target=lambda: answered.append(
            [live.pause(), live.state().paused, live.resume(), live.state().paused][1::2] == [True, False]
        ))  # fmt: skip
        gui.start()
        gui.join(3)
        assert answered == [True]  # done while the database is busy
    finally:
        release.set()
        writer.join(10)
