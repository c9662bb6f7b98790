"""A folder of hostile files through the real CLI: indexing completes, nothing crashes, memory
stays under a stated cap, every regular file gets a status (names that are not UTF-8 too), and
the good files are found.

Files are deleted and truncated while they are read. The corpus (``tests/fixtures/hostile``)
has ``DESKTOP_SEARCH_HOSTILE_FILES`` entries (default 240 here; 1000 for the full suite, with
``DESKTOP_SEARCH_HOSTILE_FULL=1`` for the 10 GB sparse file and the 100 MB single line).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.crash_resume import cli
from desktop_search.core.paths import AppPaths
from desktop_search.core.scan import stored_path
from tests.fixtures.hostile import Mutator, restore_permissions, write_hostile_corpus

FILES = int(os.environ.get("DESKTOP_SEARCH_HOSTILE_FILES", "240"))
FULL = os.environ.get("DESKTOP_SEARCH_HOSTILE_FULL") == "1"
PEAK_RSS_CAP_MB = 1024  # any one process: the app or an extraction worker

# Runs a command and reports the largest RSS of it and everything it waited for.
PEAK = (
    "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]);"
    " print('PEAK', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, flush=True);"
    " sys.exit(r.returncode)"
)


def _index(data_dir: Path, folder: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    done = subprocess.run(
        [sys.executable, "-c", PEAK, *cli(data_dir, "index", str(folder))],
        capture_output=True, text=True, timeout=1800, check=False,
    )  # fmt: skip
    peak_kib = int(done.stdout.rsplit("PEAK", 1)[1].split()[0])
    return done, peak_kib / 1024


def _regular_files(folder: Path) -> set[str]:
    found = set()
    for dirpath, _dirs, names in os.walk(folder):  # never follows links
        for name in names:
            path = os.path.join(dirpath, name)
            if os.path.isfile(path) and not os.path.islink(path):
                found.add(path)
    return found


@pytest.mark.slow
def test_a_hostile_corpus_is_indexed_without_a_crash(app_paths: AppPaths, tmp_path: Path) -> None:
    folder = tmp_path / "hostile"
    corpus = write_hostile_corpus(folder, FILES, full=FULL)
    try:
        started = time.monotonic()
        with Mutator(folder) as mutator:
            first, first_peak = _index(app_paths.data_dir, folder)
        # A rescan once the folder is still: the index must now match the folder exactly.
        second, second_peak = _index(app_paths.data_dir, folder)
        seconds = time.monotonic() - started
    finally:
        corpus.close()
    for run in (first, second):
        assert run.returncode == 0, run.stderr[-3000:]
        assert "Traceback" not in run.stderr, run.stderr[-3000:]
    peak = max(first_peak, second_peak)
    print(
        f"{FILES} hostile entries ({json.dumps(corpus.made)}), {mutator.changes} deleted or"
        f" truncated while indexing: {seconds:.0f} s, peak RSS of any process {peak:.0f} MB"
    )
    assert peak < PEAK_RSS_CAP_MB

    with sqlite3.connect(app_paths.database) as db:
        rows = db.execute("SELECT path, status, reason FROM files").fetchall()
    states = {path: (status, reason) for path, status, reason in rows}
    on_disk = _regular_files(folder)
    # Every regular file has a status (a name that is not UTF-8 is stored with its bytes as
    # private-use characters), and nothing else is in the index: no FIFO, socket, device,
    # link target, file outside the root, or file deleted meanwhile.
    assert set(states) == {stored_path(p) for p in on_disk}, sorted(
        set(states) ^ set(map(stored_path, on_disk))
    )[:9]
    undecodable = [p for p in on_disk if stored_path(p) != p]
    assert undecodable and all(states[stored_path(p)][0] == "indexed" for p in undecodable)
    assert not any("outside" in path for path in states)
    for path, (status, reason) in states.items():
        assert status in ("indexed", "failed", "skipped", "encrypted"), (path, status)
        assert status == "indexed" or reason, (path, status)
    statuses = {status for status, _ in states.values()}
    assert {"indexed", "failed", "skipped", "encrypted"} <= statuses

    # The good files that were left alone are found.
    found = subprocess.run(
        cli(app_paths.data_dir, "search", "--json", "lighthouse keeper logged ships passing the reef"),
        capture_output=True, text=True, timeout=300, check=True,
    ).stdout  # fmt: skip
    top = json.loads(found)["results"][0]["path"]
    assert "/good/log-" in top
    restore_permissions(folder)
