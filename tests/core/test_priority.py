"""Background priority: threads made for background work run behind the user's (Linux)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from tokenizers import Tokenizer

from desktop_search.core.model.embed import Embedder
from desktop_search.core.model.manifest import TOKENIZER_FILE
from desktop_search.core.model.provision import ResolvedModel
from desktop_search.core.priority import (
    BACKGROUND_NICE_STEP,
    lower_thread_priority,
    made_at_background_priority,
)

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")


def nice_of(thread_id: int) -> int:
    return os.getpriority(os.PRIO_PROCESS, thread_id)


def thread_ids() -> set[int]:
    return {int(name) for name in os.listdir("/proc/self/task")}


def test_threads_started_inside_run_at_background_priority() -> None:
    ours = nice_of(threading.get_native_id())
    seen: list[int] = []
    release = threading.Event()

    def start_a_worker() -> threading.Thread:
        worker = threading.Thread(target=lambda: (seen.append(threading.get_native_id()), release.wait(10)))
        worker.start()
        return worker

    worker = made_at_background_priority(start_a_worker)
    try:
        while not seen:
            release.wait(0.01)
        assert nice_of(seen[0]) == min(ours + BACKGROUND_NICE_STEP, 19)
        assert nice_of(threading.get_native_id()) == ours  # the caller's: unchanged
    finally:
        release.set()
        worker.join()


def test_what_fails_inside_fails_in_the_caller() -> None:
    def broken() -> None:
        raise FileNotFoundError("model.onnx")

    with pytest.raises(FileNotFoundError, match=r"model\.onnx"):
        made_at_background_priority(broken)
    assert made_at_background_priority(lambda: 42) == 42


def test_the_model_worker_threads_run_behind_the_window(offline_model: ResolvedModel) -> None:
    """onnxruntime's pool threads do half of indexing's embedding: at normal priority they
    competed with the GUI thread while a folder was being indexed. Queries run on the
    caller's thread alone, at its priority, with no worker to wait for."""
    ours = nice_of(threading.get_native_id())
    # The tokenizer's own thread pool (process-wide, started on first batch) is not counted.
    Tokenizer.from_file(str(offline_model.folder / TOKENIZER_FILE)).encode_batch(["one", "two"])
    before = thread_ids()
    embedder = Embedder(Path(offline_model.folder), offline_model.manifest, provider="cpu", threads=2)
    query = embedder.embed_query("wing lift at high angles of attack")
    assert not thread_ids() - before  # the query session started no thread (others may end)
    passages = embedder.embed_passages(["The lift drops when the flow separates from the wing."])
    started = thread_ids() - before
    assert started, "onnxruntime started no worker thread for 2 intra-op threads"
    assert {nice_of(t) for t in started} == {min(ours + BACKGROUND_NICE_STEP, 19)}
    assert nice_of(threading.get_native_id()) == ours
    assert float(query @ passages[0]) > 0.3  # both sessions: one model, one vector space


def test_a_background_thread_starts_its_helpers_at_the_same_level_not_lower() -> None:
    """The indexing thread (already at background priority) loads the passage session: its
    workers must not drop to nice 19, behind the extractor processes they work beside."""
    ours = nice_of(threading.get_native_id())
    levels: list[int] = []

    def indexing_thread() -> None:
        lower_thread_priority()
        lower_thread_priority()  # twice: still one step down
        levels.append(nice_of(threading.get_native_id()))
        made_at_background_priority(lambda: levels.append(nice_of(threading.get_native_id())))

    thread = threading.Thread(target=indexing_thread)
    thread.start()
    thread.join()
    background = min(ours + BACKGROUND_NICE_STEP, 19)
    assert levels == [background, background]


def test_in_a_process_already_in_the_background_threads_stay_at_its_level() -> None:
    """``desktop-search watch`` lowers the whole process: its model workers must not go
    further down, behind its own extractor processes (a child: nice cannot be raised back)."""
    probe = (
        "import os, threading\n"
        "from desktop_search.core.priority import lower_process_priority, made_at_background_priority\n"
        "lower_process_priority()\n"
        "process = os.getpriority(os.PRIO_PROCESS, os.getpid())\n"
        "mine = lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id())\n"
        "helper = made_at_background_priority(mine)\n"
        "print(process, helper)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    process, helper = map(int, result.stdout.split())
    assert process == min(nice_of(threading.get_native_id()) + BACKGROUND_NICE_STEP, 19)
    assert helper == process
