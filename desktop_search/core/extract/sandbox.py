"""Extraction in a pool of worker processes, so no file can hang, crash or bloat the app.

Each worker is a spawned process (no state inherited from the app) that reads and parses
one file at a time under limits: its address space is capped (``RLIMIT_AS`` on Linux; best
effort elsewhere), the parent kills it when a file takes longer than the time limit, and
the text it sends back is capped. A worker that dies or hangs is replaced and the file gets
status ``failed`` with the reason; it is retried only when it changes or the user asks.

Workers start on first use and stop after a while without work.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from desktop_search.core.errors import ExtractorsUnavailableError
from desktop_search.core.extract.document import STATUS_FAILED, ExtractedDocument, ExtractionError

log = logging.getLogger(__name__)

Outcome = ExtractedDocument | ExtractionError
READY = "ready"
STILLBORN_LIMIT = 3  # workers in a row that die before they are ready: the pool cannot work


@dataclass(frozen=True)
class SandboxLimits:
    """Per-file limits of the extraction workers."""

    timeout_s: float = 60.0
    memory_mb: int = 2048  # address space of a worker (not resident memory)
    max_output_chars: int = 20_000_000


def default_workers() -> int:
    return max(1, min(4, (os.cpu_count() or 2) - 1))


def _limit_memory(memory_mb: int) -> None:
    if not sys.platform.startswith("linux"):  # RLIMIT_AS is not enforced on macOS; Windows lacks it
        return
    import resource

    limit = memory_mb * 1024 * 1024
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _worker_main(connection: Connection, limits: SandboxLimits, plugin: str | None) -> None:
    """Loop of a worker process: receive (path, max_bytes), send back an outcome."""
    from desktop_search.core.extract import extract

    if plugin:  # "module:function", called once to register more extractors
        module_name, function_name = plugin.split(":")
        getattr(__import__(module_name, fromlist=[function_name]), function_name)()
    _limit_memory(limits.memory_mb)
    connection.send(READY)  # started: from now on a death is a file's doing
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        path, max_bytes = job
        outcome: Outcome
        try:
            outcome = extract(Path(path), max_bytes)
            if len(outcome.text) > limits.max_output_chars:
                cap = limits.max_output_chars
                outcome = ExtractedDocument(
                    outcome.text[:cap], outcome.title, [s for s in outcome.page_starts if s < cap],
                    outcome.content_hash, f"text cut at {cap:,} characters",
                )  # fmt: skip
        except ExtractionError as error:
            outcome = error
            if error.reason.startswith("out of memory"):
                outcome = ExtractionError(STATUS_FAILED, f"out of memory (limit {limits.memory_mb} MB)")
        except MemoryError:
            outcome = ExtractionError(STATUS_FAILED, f"out of memory (limit {limits.memory_mb} MB)")
        except Exception as exc:  # the worker itself must survive any file
            outcome = ExtractionError(STATUS_FAILED, f"parse error: {type(exc).__name__}: {exc}")
        try:
            connection.send(outcome)
        except MemoryError:
            connection.send(ExtractionError(STATUS_FAILED, f"out of memory (limit {limits.memory_mb} MB)"))


class _Worker:
    def __init__(self, context: Any, limits: SandboxLimits, plugin: str | None) -> None:
        self.connection, child = context.Pipe()
        self.process = context.Process(
            target=_worker_main, args=(child, limits, plugin), daemon=True, name="desktop-search-extract"
        )
        self.process.start()
        child.close()
        self.job: int | None = None
        self.deadline = 0.0
        self.last_used = time.monotonic()
        self.ready = False  # it said it started

    def stop(self, kill: bool = False) -> None:
        if not kill:
            with contextlib.suppress(OSError, ValueError):
                self.connection.send(None)
            self.process.join(timeout=1)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)
        self.connection.close()

    def death_reason(self, limits: SandboxLimits) -> str:
        self.process.join(timeout=5)
        code = self.process.exitcode
        if code is not None and code < 0:
            import signal

            name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
            if name == "SIGKILL":  # the kernel's out-of-memory killer, or someone else
                return "extractor killed (out of memory?)"
            return f"extractor crashed ({name})"
        return f"extractor exited unexpectedly (code {code}; memory limit {limits.memory_mb} MB?)"


class ExtractionPool:
    """Extract files in worker processes, in parallel, under ``SandboxLimits``."""

    def __init__(
        self,
        workers: int = 0,
        limits: SandboxLimits | None = None,
        plugin: str | None = None,
        idle_stop_s: float = 60.0,
    ) -> None:
        self.size = workers or default_workers()
        self.limits = limits or SandboxLimits()
        self.plugin = plugin
        self.idle_stop_s = idle_stop_s
        self._context = multiprocessing.get_context("spawn")
        self._workers: list[_Worker] = []
        self._lock = threading.Lock()  # one caller at a time; the reaper takes it too
        self._closed = False
        self.replaced = 0  # workers replaced after a hang or a crash (tests and logs read it)
        self._stillborn_in_a_row = 0
        self._reaper = threading.Thread(target=self._reap_idle, name="extract-pool-reaper", daemon=True)
        self._reaper.start()

    def extract(self, path: Path, max_bytes: int) -> ExtractedDocument:
        """One file; raises ``ExtractionError`` like ``extract`` does."""
        ((_, outcome),) = list(self.extract_many([(path, max_bytes)]))
        if isinstance(outcome, ExtractionError):
            raise outcome
        return outcome

    def extract_many(self, jobs: Sequence[tuple[Path, int]]) -> Iterator[tuple[int, Outcome]]:
        """Outcomes of ``jobs`` as (index, outcome), in the order the files finish."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the extraction pool is closed")
            waiting = deque(range(len(jobs)))
            running: dict[int, _Worker] = {}
            while waiting or running:
                for worker in self._idle_workers(min(len(waiting), self.size)):
                    index = waiting.popleft()
                    path, max_bytes = jobs[index]
                    try:
                        worker.connection.send((str(path), max_bytes))
                    except (OSError, ValueError):  # died while idle: replace and retry the job
                        self._discard(worker, kill=True)
                        waiting.appendleft(index)
                        continue
                    worker.job, worker.deadline = index, time.monotonic() + self.limits.timeout_s
                    running[index] = worker
                if not running:
                    continue
                timeout = max(0.0, min(w.deadline for w in running.values()) - time.monotonic())
                ready = wait([w.connection for w in running.values()], timeout)
                for worker in list(running.values()):
                    job = worker.job
                    assert job is not None
                    if worker.connection in ready:
                        try:
                            outcome: Outcome | str = worker.connection.recv()
                        except (EOFError, OSError):
                            reason = worker.death_reason(self.limits)
                            self._discard(worker, kill=True)
                            if not worker.ready:  # died starting: not the file's doing, try it again
                                self._stillborn(reason, running)
                                del running[job]
                                waiting.appendleft(job)
                                continue
                            outcome = ExtractionError(STATUS_FAILED, reason)
                            log.warning("Extraction of %s: %s", jobs[job][0], outcome.reason)
                        except Exception as exc:  # an outcome that does not unpickle
                            outcome = ExtractionError(STATUS_FAILED, f"extractor sent a bad result: {exc}")
                            self._discard(worker, kill=True)
                    elif time.monotonic() >= worker.deadline:
                        outcome = ExtractionError(
                            STATUS_FAILED, f"timed out after {self.limits.timeout_s:.0f} s"
                        )
                        log.warning("Extraction of %s timed out; restarting its worker", jobs[job][0])
                        self._discard(worker, kill=True)
                    else:
                        continue
                    if outcome == READY:
                        worker.ready, self._stillborn_in_a_row = True, 0
                        continue
                    assert not isinstance(outcome, str)
                    worker.job, worker.last_used = None, time.monotonic()
                    del running[job]
                    yield job, outcome

    def _stillborn(self, reason: str, running: dict[int, _Worker]) -> None:
        """A worker died before it was ready (a broken install, an interpreter that cannot
        spawn, a plugin that fails): after a few in a row no worker can start, and the run
        stops instead of marking every file failed; the files stay queued."""
        self._stillborn_in_a_row += 1
        log.warning("A file-reading process died while starting: %s", reason)
        if self._stillborn_in_a_row < STILLBORN_LIMIT:
            return
        for other in list(running.values()):
            if other in self._workers:
                self._discard(other, kill=True)
        raise ExtractorsUnavailableError(
            f"The processes that read files cannot start ({reason}). No file was marked as failed; "
            "indexing resumes at the next start. The log has the details."
        )

    def _idle_workers(self, wanted: int) -> list[_Worker]:
        for dead in [w for w in self._workers if w.job is None and not w.process.is_alive()]:
            dead.stop(kill=True)  # died while idle (killed from outside): not a file's fault
            self._workers.remove(dead)
        idle = [w for w in self._workers if w.job is None]
        while len(idle) < wanted and len(self._workers) < self.size:
            worker = _Worker(self._context, self.limits, self.plugin)
            self._workers.append(worker)
            idle.append(worker)
        return idle[:wanted]

    def _discard(self, worker: _Worker, kill: bool) -> None:
        worker.stop(kill=kill)
        self._workers.remove(worker)
        self.replaced += 1

    def _reap_idle(self) -> None:
        while not self._closed:
            time.sleep(min(5.0, self.idle_stop_s))
            if not self._lock.acquire(blocking=False):
                continue  # busy extracting
            try:
                now = time.monotonic()
                for worker in [w for w in self._workers if now - w.last_used > self.idle_stop_s]:
                    worker.stop()
                    self._workers.remove(worker)
            finally:
                self._lock.release()

    @property
    def running_workers(self) -> int:
        return len(self._workers)

    @property
    def worker_pids(self) -> list[int]:
        """Process ids of the workers alive now (to watch them, or to kill one from outside).

        A worker that has died is not listed, even before the pool notices and replaces it."""
        return [
            worker.process.pid
            for worker in list(self._workers)
            if worker.process.pid is not None and worker.process.is_alive()
        ]

    def close(self) -> None:
        """Stop every worker (killing any that do not stop at once)."""
        with self._lock:
            self._closed = True
            for worker in self._workers:
                worker.stop()
            self._workers.clear()

    def __enter__(self) -> ExtractionPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
