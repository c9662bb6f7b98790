"""Quit while indexing: how long the app takes to exit, and that the index survives it.

    python -m bench.quit_latency [--files 800] [--quits 6]

The app runs as a user runs it (``desktop-search app``, a real process, offscreen Qt) on a
profile with the offline model and a folder of ``--files`` real documents (Cranfield). Each
round starts the app, waits until it has indexed at least 20 more files (so it is reading,
embedding and writing), then asks it to quit the way the tray's Quit and a second launch's
``--quit`` do (the single-instance socket), and times the request -> process gone. After the
last round the app runs to the end; then the database's integrity check, the index status
and the file count show that nothing was lost and the crawl resumed each time.
"""

from __future__ import annotations

import argparse
import logging
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication

from bench.crash_resume import cli, status, write_corpus
from bench.footprint import offline_profile
from bench.scratch import scratch_dir
from bench.search_latency import percentile
from desktop_search.core.engine import Engine
from desktop_search.ui.single_instance import send_to_running, server_name

log = logging.getLogger("bench.quit_latency")


def indexed_files(data_dir: Path) -> int:
    db = sqlite3.connect(f"file:{data_dir / 'index.sqlite3'}?mode=ro", uri=True, timeout=5)
    try:
        return int(db.execute("SELECT COUNT(*) FROM files WHERE status = 'indexed'").fetchone()[0])
    except sqlite3.OperationalError:  # the schema is not there yet
        return 0
    finally:
        db.close()


def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def start_app(data_dir: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(cli(data_dir, "app"), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, default=800)
    parser.add_argument("--quits", type=int, default=6)
    parser.add_argument("--model-dir", type=Path, default=Path(".test-cache/models/all-MiniLM-L6-v2"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    _qt = QCoreApplication(sys.argv[:1])  # the local socket that carries the quit message needs one
    work = scratch_dir("ds-quit-")
    folder = work / "documents"
    write_corpus(folder, args.files)
    paths = offline_profile(work / "data", args.model_dir)
    with Engine.open_profile(paths) as engine:
        engine.add_roots([folder])

    exits: list[float] = []
    for round_number in range(1, args.quits + 1):
        before = indexed_files(paths.data_dir)
        app = start_app(paths.data_dir)
        try:
            if not wait_for(lambda at_least=before + 20: indexed_files(paths.data_dir) >= at_least, 180):
                raise SystemExit(f"round {round_number}: the app did not index 20 more files")
            if indexed_files(paths.data_dir) >= args.files:
                raise SystemExit("the crawl finished before the quit: pass more --files")
            asked = time.perf_counter()
            if not send_to_running(server_name(paths), "quit"):
                raise SystemExit("the running app did not answer on its socket")
            app.wait(timeout=60)
            exits.append(time.perf_counter() - asked)
        finally:
            if app.poll() is None:
                app.kill()
        stderr = app.stderr.read().decode(errors="replace") if app.stderr else ""
        if app.returncode != 0 or "Traceback" in stderr:
            raise SystemExit(f"round {round_number}: exit code {app.returncode}\n{stderr}")
        log.info(
            "quit %d: exited %.2f s after the request, %d of %d files indexed",
            round_number, exits[-1], indexed_files(paths.data_dir), args.files,
        )  # fmt: skip

    app = start_app(paths.data_dir)
    resumed = time.monotonic()
    finished = wait_for(lambda: indexed_files(paths.data_dir) >= args.files, 900)
    send_to_running(server_name(paths), "quit")
    app.wait(timeout=60)
    db = sqlite3.connect(paths.database)
    integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    db.close()
    final = status(paths.data_dir)
    log.info(
        "quit while indexing, %d rounds: request -> exit p50 %.2f s, max %.2f s; then resumed to "
        "%d of %d files in %.0f s (%s); integrity_check: %s; index healthy: %s, pending: %s",
        len(exits), percentile(exits, 0.5), max(exits), indexed_files(paths.data_dir), args.files,
        time.monotonic() - resumed, "finished" if finished else "NOT finished", integrity,
        final["index"]["healthy"], final["pending"],
    )  # fmt: skip


if __name__ == "__main__":
    main()
