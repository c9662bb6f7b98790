"""SIGKILL an initial crawl at random moments, restart it, and compare with a clean index.

    python -m bench.crash_resume [--kills 20] [--files 400] [--seed 1]

Each round starts `desktop-search index` on the same folder and kills it with SIGKILL after
a random delay; a last run finishes. The result must equal a clean, uninterrupted index of
the same folder: same files and content hashes, same chunk count, no duplicate chunks, one
vector per chunk, and a healthy ANN index.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.scratch import scratch_dir

log = logging.getLogger("bench.crash_resume")


@dataclass(frozen=True)
class IndexSnapshot:
    files: dict[str, str]  # path -> content hash, indexed files only
    chunks: int
    duplicate_chunks: int
    vectors: int
    pending: int


def snapshot(data_dir: Path) -> IndexSnapshot:
    db = sqlite3.connect(data_dir / "index.sqlite3")
    try:
        files = dict(db.execute("SELECT path, content_hash FROM files WHERE status = 'indexed'").fetchall())
        (chunks,) = db.execute("SELECT COUNT(*) FROM chunks").fetchone()
        (duplicates,) = db.execute(
            "SELECT COUNT(*) FROM (SELECT 1 FROM chunks GROUP BY file_id, ordinal HAVING COUNT(*) > 1)"
        ).fetchone()
        (vectors,) = db.execute("SELECT COUNT(*) FROM vectors").fetchone()
        (pending,) = db.execute("SELECT COUNT(*) FROM pending").fetchone()
    finally:
        db.close()
    return IndexSnapshot(files, chunks, duplicates, vectors, pending)


def cli(data_dir: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "desktop_search", "--data-dir", str(data_dir), *args]


def write_corpus(folder: Path, count: int) -> None:
    """Real text when the IR collections are there, generated sentences otherwise."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        from bench.ir import load_collection

        texts = list(load_collection("cranfield").documents.values())
    except (OSError, KeyError):
        texts = [f"Note {i}: " + " ".join(f"word{(i * j) % 997}" for j in range(120)) for i in range(count)]
    for i in range(count):
        sub = folder / f"part{i % 7}"
        sub.mkdir(exist_ok=True)
        (sub / f"doc{i:05d}.txt").write_text(texts[i % len(texts)] + f"\n(copy {i})\n", encoding="utf-8")


def stored_chunks(data_dir: Path) -> int:
    """Chunks in the index now (read-only, beside a running writer); -1 before it exists."""
    path = data_dir / "index.sqlite3"
    if not path.exists():
        return -1
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
        try:
            return int(db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])
        finally:
            db.close()
    except sqlite3.Error:  # being created
        return -1


def crash_and_resume(
    folder: Path, data_dir: Path, kills: int, rng: random.Random, max_delay: float, mid_crawl: bool = False
) -> list[float]:
    """Run `index` `kills` times, each SIGKILLed after a random delay, then once to the end.
    With ``mid_crawl``, the delay starts when the run has stored chunks of its own, so a kill
    lands mid-crawl on any machine (not before the crawl began or after a fast one ended).

    Returns the seconds after which the runs that were really killed (not already finished)
    were killed."""
    delays = []
    for _ in range(kills):
        before = stored_chunks(data_dir)
        process = subprocess.Popen(
            cli(data_dir, "index", str(folder)), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        started = time.monotonic()
        while mid_crawl and process.poll() is None and stored_chunks(data_dir) <= before:
            time.sleep(0.02)
        try:
            process.wait(timeout=rng.uniform(0.0 if mid_crawl else 0.3, max_delay))
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            delays.append(time.monotonic() - started)
    subprocess.run(cli(data_dir, "index", str(folder)), check=True, capture_output=True)
    return delays


def status(data_dir: Path) -> dict[str, object]:
    out = subprocess.run(cli(data_dir, "status", "--json"), check=True, capture_output=True, text=True).stdout
    return dict(json.loads(out))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--files", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-delay", type=float, default=12.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    work = scratch_dir("ds-crash-")
    folder = work / "corpus"
    write_corpus(folder, args.files)
    clean_dir, crashed_dir = work / "clean", work / "crashed"
    for data_dir in (clean_dir, crashed_dir):  # same settings for both
        data_dir.mkdir()
        if os.environ.get("DESKTOP_SEARCH_BENCH_MODEL"):
            (data_dir / "models").mkdir()
            (data_dir / "models" / "all-MiniLM-L6-v2").symlink_to(os.environ["DESKTOP_SEARCH_BENCH_MODEL"])
    started = time.monotonic()
    subprocess.run(cli(clean_dir, "index", str(folder)), check=True, capture_output=True)
    log.info("clean index: %.1f s", time.monotonic() - started)
    started = time.monotonic()
    delays = crash_and_resume(folder, crashed_dir, args.kills, random.Random(args.seed), args.max_delay)
    log.info("%d of %d runs SIGKILLed, at %s s, then a full run: %.1f s", len(delays), args.kills,
             [round(d, 1) for d in delays],
             time.monotonic() - started)  # fmt: skip
    clean, crashed = snapshot(clean_dir), snapshot(crashed_dir)
    health = status(crashed_dir)["index"]
    same = crashed.files == clean.files and crashed.chunks == clean.chunks
    log.info(
        "clean: %d files, %d chunks | after crashes: %d files, %d chunks, %d duplicate chunks, "
        "%d vectors, %d pending, ANN healthy %s -> %s",
        len(clean.files), clean.chunks, len(crashed.files), crashed.chunks, crashed.duplicate_chunks,
        crashed.vectors, crashed.pending, health["healthy"], "EQUAL" if same else "DIFFERENT",  # type: ignore[index]
    )  # fmt: skip


if __name__ == "__main__":
    main()
