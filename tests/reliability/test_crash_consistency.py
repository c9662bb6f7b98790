"""SIGKILL at random moments while files change, restart, and check every invariant.

Each run starts `desktop-search index` or `watch` (with its extraction workers, in their own
process group, as the app would be) on a folder that a mutator keeps changing — new files, edits,
deletions, renames — kills the whole group with SIGKILL after a random delay, and later
lets one run finish on the folder as it is by then. After that:

* the indexed files are exactly the folder's text files, each with the hash of its bytes;
* every file's chunks are present exactly once, one vector per chunk;
* the FTS indexes agree with their tables (FTS5 integrity-check);
* the ANN index agrees with the database (status: healthy, live == vectors);
* nothing is left in the work queue.

Runs: ``DESKTOP_SEARCH_CRASH_RUNS`` (default 4 here; 100 for the full suite).
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from bench.crash_resume import cli, snapshot, status, write_corpus
from desktop_search.core.paths import AppPaths
from desktop_search.core.settings import load_settings, save_settings
from desktop_search.core.store import Store

RUNS = int(os.environ.get("DESKTOP_SEARCH_CRASH_RUNS", "4"))
BURST_WORDS = "river engine bridge harvest ledger orbit pressure valve meadow signal lantern copper".split()


def _mutate(folder: Path, rng: random.Random, stop: threading.Event) -> None:
    """Keep changing the folder: add, edit, delete and rename files."""
    number = 0
    while not stop.wait(rng.uniform(0.02, 0.15)):
        files = sorted(folder.rglob("*.txt"))
        action = rng.choice(["add", "edit", "delete", "rename"])
        number += 1
        try:
            if action == "add" or not files:
                (folder / f"part{number % 7}" / f"new{rng.randrange(10**9)}.txt").write_text(
                    f"A new note {number} about rivers, engines and paper mills. " * rng.randint(1, 40)
                )
            elif action == "edit":
                with rng.choice(files).open("a", encoding="utf-8") as handle:
                    handle.write(f"\nEdited {number}: the bridge over the river was repaired.\n")
            elif action == "delete":
                rng.choice(files).unlink()
            else:
                source = rng.choice(files)
                source.rename(source.with_name(f"moved{rng.randrange(10**9)}.txt"))
        except OSError:
            pass  # raced with another change: fine, the folder is still consistent


def _write_burst(folder: Path, count: int, rng: random.Random) -> None:
    folder.mkdir(parents=True)
    for number in range(count):
        words = " ".join(rng.choice(BURST_WORDS) for _ in range(rng.randint(80, 400)))
        (folder / f"note{number}.txt").write_text(f"Note {rng.random()}: {words}.")


def _run_killed(data_dir: Path, folder: Path, command: str, delay: float) -> bool:
    process = subprocess.Popen(
        cli(data_dir, command, str(folder)),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        process.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # the app and its workers, at once
        process.wait()
        return True


def _check_invariants(data_dir: Path, folder: Path) -> None:
    got = snapshot(data_dir)
    on_disk = {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*.txt")}
    assert got.files == on_disk
    assert got.duplicate_chunks == 0 and got.vectors == got.chunks and got.pending == 0
    with sqlite3.connect(data_dir / "index.sqlite3") as db:
        orphans = db.execute("SELECT COUNT(*) FROM chunks WHERE file_id NOT IN (SELECT id FROM files)")
        assert orphans.fetchone()[0] == 0
        (stuck,) = db.execute("SELECT COUNT(*) FROM files WHERE status NOT IN ('indexed')").fetchone()
        assert stuck == 0
    store = Store(data_dir / "index.sqlite3")
    try:
        store.check_keyword_index()  # raises if FTS disagrees with the tables
    finally:
        store.close()
    health = status(data_dir)["index"]
    assert health["healthy"] and health["ann_live"] == got.chunks  # type: ignore[index]


@pytest.mark.slow
def test_sigkill_with_changes_in_flight_always_recovers(app_paths: AppPaths, tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    write_corpus(folder, 120)
    rng = random.Random(int(os.environ.get("DESKTOP_SEARCH_CRASH_SEED", "11")))
    killed = 0
    started = time.monotonic()
    for run in range(RUNS):
        stop = threading.Event()
        mutator = threading.Thread(target=_mutate, args=(folder, random.Random(rng.random()), stop))
        mutator.start()
        try:
            # `index` is killed during its crawl; `watch` (the app's live indexer) while it
            # follows the changes.
            command = "index" if run % 2 == 0 else "watch"
            if command == "index":  # a burst of new text, so that the crawl has work to be killed in
                _write_burst(folder / f"burst{run}", 150, rng)
            killed += _run_killed(app_paths.data_dir, folder, command, rng.uniform(0.5, 4.0))
        finally:
            stop.set()
            mutator.join()
        finished = subprocess.run(cli(app_paths.data_dir, "index"), capture_output=True, text=True)
        assert finished.returncode == 0, finished.stderr
        _check_invariants(app_paths.data_dir, folder)
    assert killed >= max(1, RUNS // 2), "the runs finished before they could be killed"
    print(f"crash suite: {RUNS} runs, {killed} killed mid-run, all clean, {time.monotonic() - started:.0f} s")


@pytest.mark.slow
def test_sigkill_during_a_model_switch_or_a_forget_recovers(app_paths: AppPaths, tmp_path: Path) -> None:
    """A precision change re-embeds everything while the old vectors serve; forgetting a folder
    purges it. Killed in the middle of either, the next run finishes the job: one model's
    vectors for every chunk, and no trace of the forgotten folder's text in the data dir."""
    corpus = tmp_path / "corpus"
    kept, dropped = corpus / "kept", corpus / "dropped"
    write_corpus(kept, 250)  # ~5 s of re-embedding: room to be killed in
    _write_burst(dropped, 40, random.Random(5))
    for note in dropped.glob("*.txt"):
        with note.open("a", encoding="utf-8") as handle:
            handle.write("\nQuartermaster zephyrine ledger.\n")  # to look for afterwards
    data_dir = app_paths.data_dir
    done = subprocess.run(cli(data_dir, "index", str(kept), str(dropped)), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    rng = random.Random(int(os.environ.get("DESKTOP_SEARCH_CRASH_SEED", "11")))
    killed = 0
    for precision in ("fp32", "int8"):
        save_settings(
            app_paths.settings_file, replace(load_settings(app_paths.settings_file), precision=precision)
        )
        killed += _run_killed(data_dir, kept, "index", rng.uniform(1.5, 3.5))
        finished = subprocess.run(cli(data_dir, "index"), capture_output=True, text=True)
        assert finished.returncode == 0, finished.stderr
        _check_invariants(data_dir, corpus)  # vectors == chunks: the old model's are gone
        assert status(data_dir)["model"]["variant"] == precision  # type: ignore[index]

    assert killed == 2, "the re-embedding finished before it could be killed"
    # Around the CLI's start-up (~0.8 s) plus the purge: killed before, during or after it.
    killed += _run_killed(data_dir, dropped, "forget", rng.uniform(0.7, 1.2))
    finished = subprocess.run(cli(data_dir, "index"), capture_output=True, text=True)  # any writer
    assert finished.returncode == 0, finished.stderr
    if str(dropped) in status(data_dir)["roots"]:  # type: ignore[operator]
        retried = subprocess.run(cli(data_dir, "forget", str(dropped)), capture_output=True, text=True)
        assert retried.returncode == 0, retried.stderr  # killed before the delete: the user asks again
    shutil.rmtree(dropped)
    _check_invariants(data_dir, corpus)
    leftovers = [p for p in data_dir.rglob("*") if p.is_file() and b"zephyrine" in p.read_bytes()]
    assert leftovers == []
    print(f"model switch and forget: {killed} of 3 runs killed, all recovered")
