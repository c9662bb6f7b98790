"""The app as a user runs it: a real process (offscreen), quit from a second launch while it
indexes; the index is intact and indexing resumes at the next start."""

from __future__ import annotations

import sqlite3
import subprocess
import time
from pathlib import Path

from bench.crash_resume import cli, status, write_corpus
from bench.quit_latency import indexed_files, start_app, wait_for
from desktop_search.core.engine import Engine
from desktop_search.core.paths import AppPaths


def test_quit_while_indexing_exits_promptly_keeps_the_index_and_resumes(
    app_paths: AppPaths, tmp_path: Path
) -> None:
    folder = tmp_path / "corpus"
    write_corpus(folder, 400)
    with Engine.open_profile(app_paths) as engine:
        engine.add_roots([folder])
    data_dir = app_paths.data_dir

    app = start_app(data_dir)
    try:
        assert wait_for(lambda: indexed_files(data_dir) >= 20, 120), "the app did not start indexing"
        # A second launch with --toggle reaches the running window (and starts nothing new).
        toggle = subprocess.run(cli(data_dir, "--toggle"), capture_output=True, text=True, timeout=60)
        assert toggle.returncode == 0 and app.poll() is None
        quitter = subprocess.run(cli(data_dir, "--quit"), capture_output=True, text=True, timeout=60)
        asked = time.monotonic()
        assert quitter.returncode == 0, quitter.stderr
        app.wait(timeout=30)
        took = time.monotonic() - asked
    finally:
        if app.poll() is None:
            app.kill()
    stderr = app.stderr.read().decode(errors="replace") if app.stderr else ""
    assert app.returncode == 0, stderr
    assert "Traceback" not in stderr and "QThread: Destroyed" not in stderr, stderr
    print(f"exited {took:.2f} s after the quit message")
    assert took < 5, f"quit took {took:.1f} s"  # the goal is 2 s (bench/README.md); this catches hangs
    done_before = indexed_files(data_dir)
    assert 20 <= done_before < 400, "quit should have landed mid-crawl"

    db = sqlite3.connect(data_dir / "index.sqlite3")
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    db.close()
    assert status(data_dir)["index"]["healthy"]

    # The next start picks up where it stopped and finishes.
    app = start_app(data_dir)
    try:
        assert wait_for(lambda: indexed_files(data_dir) == 400, 300), (
            f"resumed to {indexed_files(data_dir)} of 400"
        )
    finally:
        subprocess.run(cli(data_dir, "--quit"), capture_output=True, timeout=60)
        try:
            app.wait(timeout=30)
        except subprocess.TimeoutExpired:
            app.kill()
    assert app.returncode == 0
    final = status(data_dir)
    assert final["index"]["healthy"] and final["pending"] == 0
