"""Memory and start-up with 100k chunks indexed: RSS of the running app, disk, cold starts.

    python -m bench.footprint [--chunks 100000] [--runs 5]

Builds a real data dir (the product's store, FTS5 and saved hnswlib index; 100k chunks of
real text from installed Python sources, random unit vectors since embedding 100k chunks
takes ~15 min here and vector values change no sizes), with the offline model installed and
the variant the app runs on this machine. Then:

* disk: SQLite database and hnswlib files, per 100k chunks;
* cold start of ``desktop-search search`` (a new process each time, page cache warm);
* the GUI app (offscreen Qt) in a child process: launch -> window shown, then the model and
  vector index load, a batch of 300 changed chunks embedded as the live indexer would,
  230 searches (the Cranfield queries, then typed into the window); then the window goes to
  the tray and the app is left alone. RSS "in use": 13 s after the last query (the runner
  has handed caches back), with a breakdown: Qt (libraries and window), onnxruntime's code,
  the model (session), hnswlib (vectors = n x dim x 4 bytes, graph = the rest of its
  measured growth), Python and other libraries, the rest (heap, SQLite cache). RSS "idle":
  once the runner has unloaded the model nobody used for ``MODEL_IDLE_S`` (~75 s of real
  waiting). Last, the window is opened again and the model's reload timed.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.hybrid_latency import store_real_text
from bench.scratch import scratch_dir
from bench.search_latency import percentile
from desktop_search.core.ann import AnnIndex
from desktop_search.core.engine import Engine
from desktop_search.core.indexer import INDEX_MODEL_KEY
from desktop_search.core.model.registry import MINILM
from desktop_search.core.paths import AppPaths
from desktop_search.core.settings import Settings, save_settings
from desktop_search.ui.worker import IDLE_RELEASE_MS, MODEL_IDLE_S

log = logging.getLogger("bench.footprint")

GUI_CHILD = r"""
import json, os, sys, time
from pathlib import Path
data_dir, launched = Path(sys.argv[1]), float(sys.argv[2])

def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

def rss_by_library():
    groups, current = {}, None
    for line in open("/proc/self/smaps"):
        first = line.split()
        if not first[0].endswith(":"):
            path = first[5] if len(first) > 5 else ""
            name = os.path.basename(path)
            lowered = path.lower()
            if "qt6" in lowered or "pyside6" in lowered or "shiboken6" in lowered:
                current = "qt_libraries"
            elif "onnxruntime" in name:
                current = "onnxruntime_code"
            elif ".sqlite" in name:
                current = "sqlite_mapped_pages"
            elif path.startswith("/") and not path.startswith("/dev/"):
                current = "python_and_other_libraries"
            else:
                current = "anonymous"
        elif first[0] == "Rss:":
            groups[current] = groups.get(current, 0) + int(first[1]) / 1024
    return groups

from desktop_search.core.engine import Engine, ModelInUse
from desktop_search.ui.window import SearchWindow
from desktop_search.ui.worker import SearchRunner
from desktop_search.core.model.embed import Embedder
from desktop_search.core.ann import AnnIndex
from desktop_search.core.paths import AppPaths
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
stages = {"imports": rss_mb()}
app = QApplication([])
engine = Engine.open_profile(AppPaths(data_dir))
runner = SearchRunner(engine)
window = SearchWindow(runner, [root for _, root in engine.roots()])
window.show()
shown = []
QTimer.singleShot(0, lambda: shown.append(time.time()))
while not shown:
    app.processEvents()
window_s = shown[0] - launched
stages["window"] = rss_mb()
resolved = engine.search_model()  # what the first search loads, one part at a time
embedder = Embedder(resolved.folder, resolved.manifest, provider=engine.settings.provider,
                    threads=engine.settings.threads)
embedder.embed_query("warm up")
from desktop_search.core.model.embed import trim_c_heap
stages["model"] = rss_mb()
ann = AnnIndex(engine.paths.ann_dir, resolved.manifest.model_id, resolved.manifest.dimension)
ann.open(engine.store)
trim_c_heap()  # as Engine._load does
stages["ann"] = rss_mb()
engine._models[resolved.manifest.model_id] = ModelInUse(resolved, embedder, ann)
# What the live indexer does for a batch of changed files, then when its queue drains.
embedder.embed_passages([f"changed passage {i} about retries and timeouts " * 25 for i in range(300)])
embedder.release_memory()
stages["indexed"] = rss_mb()
from bench.ir import load_collection
for _, query in load_collection("cranfield").queries:
    engine.search(query, limit=20)
for query in ["boundary layer", "retry with backoff", "json decode error", "socket timeout", "unicode"]:
    window.field.setText(query)
    window.run_query()
    deadline = time.time() + 10
    while time.time() < deadline and "result" not in window.result_status.text():
        app.processEvents()
    window.result_status.setText("")
stages["searched"] = rss_mb()
# Then left alone, as a person leaves it: the window to the tray. The window's runner hands
# caches back IDLE_RELEASE_MS after the last query ("in use"), and unloads the model once
# nothing used it for MODEL_IDLE_S ("idle": what it holds while it waits in the tray).
from desktop_search.ui.worker import IDLE_RELEASE_MS, MODEL_CHECK_MS, MODEL_IDLE_S
window.hide()
def wait(seconds, until=lambda: False):
    deadline = time.time() + seconds
    while time.time() < deadline and not until():
        app.processEvents()
        time.sleep(0.01)
wait(IDLE_RELEASE_MS / 1000 + 3)
stages["in_use"] = rss_mb()
wait(MODEL_IDLE_S + MODEL_CHECK_MS / 1000 + 10, until=lambda: not embedder.loaded)
wait(2)
stages["idle"] = rss_mb()
unloaded = not embedder.loaded
window.show()  # opening the window loads the model again before the first key
t0 = time.perf_counter()
wait(10, until=lambda: embedder.loaded)
stages["reload_ms"] = (time.perf_counter() - t0) * 1000
print(json.dumps({"window_s": window_s, "stages": stages, "unloaded": unloaded, "libraries": rss_by_library(),
                  "ann_from_disk": ann.health().loaded_from_disk, "vectors": ann.health().live,
                  "variant": resolved.manifest.variant, "dimension": resolved.manifest.dimension}))
runner.shutdown()
sys.stdout.flush()
os._exit(0)  # skip Qt's teardown: the figures are out
"""


def offline_profile(data_dir: Path, model_dir: Path) -> AppPaths:
    """A new data dir set to the offline model exported at ``model_dir`` (linked, not copied)."""
    paths = AppPaths(data_dir)
    paths.ensure()
    (paths.models_dir / MINILM.name).symlink_to(model_dir.resolve(), target_is_directory=True)
    save_settings(paths.settings_file, Settings(model=MINILM.name, threads=2))
    return paths


def build_data_dir(data_dir: Path, model_dir: Path, chunks: int) -> tuple[int, str]:
    """A profile with ``chunks`` chunks stored, the index model recorded and the ANN saved."""
    paths = offline_profile(data_dir, model_dir)
    with Engine.open_profile(paths) as engine:
        manifest = engine.preferred_model().manifest
        root = engine.store.add_root("/bench")
        total, _ = store_real_text(engine.store, root, manifest.model_id, manifest.dimension, chunks)
        engine.store.set_meta(INDEX_MODEL_KEY, manifest.model_id)
        ann = AnnIndex(paths.ann_dir, manifest.model_id, manifest.dimension)
        ann.open(engine.store)
        ann.save(engine.store.vectors_generation())
    return total, manifest.variant


def mb(path: Path) -> float:
    return path.stat().st_size / 1e6 if path.exists() else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--model-dir", type=Path, default=Path(".test-cache/models/all-MiniLM-L6-v2"))
    parser.add_argument("--reuse", type=Path, help="a data dir built by an earlier run")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.reuse:
        data_dir = args.reuse
        with Engine.open_profile(AppPaths(data_dir)) as engine:
            total = engine.store.chunk_count()
    else:
        data_dir = scratch_dir("ds-footprint-") / "data"
        started = time.monotonic()
        total, variant = build_data_dir(data_dir, args.model_dir, args.chunks)
        log.info(
            "built %s with %d chunks (%s) in %.0f s", data_dir, total, variant, time.monotonic() - started
        )
    paths = AppPaths(data_dir)
    database = sum(mb(p) for p in data_dir.glob(paths.database.name + "*"))
    ann_files = sum(mb(p) for p in paths.ann_dir.glob("*"))
    per = 100_000 / total
    log.info(
        "disk: SQLite %.0f MB (text, FTS5, vectors), hnswlib %.0f MB; per 100k chunks %.0f MB + %.0f MB",
        database, ann_files, database * per, ann_files * per,
    )  # fmt: skip

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "ORT_DISABLE_TELEMETRY": "1"}
    command = [
        sys.executable,
        "-m",
        "desktop_search",
        "--data-dir",
        str(data_dir),
        "search",
        "boundary layer",
    ]
    timings = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=env)
        timings.append(time.perf_counter() - t0)
    log.info(
        "cold start of `desktop-search search` (new process, warm page cache), %d runs:"
        " p50 %.2f s, max %.2f s",
        args.runs, percentile(timings, 0.5), max(timings),
    )  # fmt: skip

    reports = []
    for _ in range(max(1, args.runs // 2)):
        done = subprocess.run(
            [sys.executable, "-c", GUI_CHILD, str(data_dir), repr(time.time())],
            capture_output=True, text=True, env=env,
        )  # fmt: skip
        if done.returncode != 0:
            raise SystemExit(f"the GUI child failed ({done.returncode}):\n{done.stderr[-3000:]}")
        reports.append(json.loads(done.stdout.strip().splitlines()[-1]))
    window_times = [r["window_s"] for r in reports]
    log.info(
        "GUI: launch -> window shown, %d runs: p50 %.2f s, max %.2f s",
        len(reports), percentile(window_times, 0.5), max(window_times),
    )  # fmt: skip
    report = reports[-1]
    stages, libraries = report["stages"], report["libraries"]
    vectors_mb = report["vectors"] * report["dimension"] * 4 / 2**20
    ann_mb = stages["ann"] - stages["model"]
    model_mb = stages["model"] - stages["window"]
    qt_mb = libraries.get("qt_libraries", 0) + stages["window"] - stages["imports"]
    ort_code = libraries.get("onnxruntime_code", 0)
    python_libs = libraries.get("python_and_other_libraries", 0)
    sqlite_mapped = libraries.get("sqlite_mapped_pages", 0)
    rest = stages["in_use"] - ann_mb - model_mb - qt_mb - ort_code - python_libs - sqlite_mapped
    log.info(
        "GUI RSS with %d chunks (%s, ANN loaded from disk: %s), window in the tray:\n"
        "  in use (%.0f s after the last query, caches handed back): %.0f MB\n"
        "  idle (nothing used the model for %.0f s: unloaded: %s): %.0f MB;"
        " opening the window loads it again in %.0f ms",
        report["vectors"], report["variant"], report["ann_from_disk"], IDLE_RELEASE_MS / 1000 + 3,
        stages["in_use"], MODEL_IDLE_S, report["unloaded"], stages["idle"], stages["reload_ms"],
    )  # fmt: skip
    for name, value in (
        ("hnswlib vectors (n x dim x 4 B)", vectors_mb),
        ("hnswlib graph and labels", ann_mb - vectors_mb),
        ("model (onnxruntime session, weights)", model_mb),
        ("onnxruntime code", ort_code),
        ("Qt (libraries + QApplication + window)", qt_mb),
        ("Python and other libraries", python_libs),
        ("SQLite database pages mapped in (mmap)", sqlite_mapped),
        ("rest (heap, SQLite page cache, search buffers)", rest),
        ("= in use", stages["in_use"]),
        ("model unloaded when idle", stages["idle"] - stages["in_use"]),
        ("= idle", stages["idle"]),
    ):
        log.info("    %-44s %6.0f MB", name, value)
    log.info("stages (RSS MB): %s", ", ".join(f"{k} {v:.0f}" for k, v in stages.items()))


if __name__ == "__main__":
    main()
