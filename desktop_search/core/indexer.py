"""The pipeline: reconcile -> persistent queue -> extract -> chunk -> (reuse vectors of
unchanged chunks) -> embed -> SQLite commit -> hnswlib update. Runs on one thread, the only
writer.

Work is a queue of paths in SQLite (``pending``): a scan or a watcher event only says "look
at this path again"; processing compares it with the disk. A crash loses nothing (the queue
entry is cleared in the same transaction as the file's result) and duplicates nothing.
Long operations take the core's plain callbacks (core/progress.py): ``progress(IndexProgress)``
and ``should_cancel()``.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from desktop_search.core.ann import AnnIndex, delete_saved_indexes
from desktop_search.core.chunk import Chunk, chunk_document
from desktop_search.core.errors import StorageError, storage_problem
from desktop_search.core.extract import STATUS_FAILED, ExtractedDocument, ExtractionError, is_too_large
from desktop_search.core.extract.sandbox import ExtractionPool
from desktop_search.core.model.embed import Embedder, Vectors
from desktop_search.core.progress import (
    Progress,
    ProgressCallback,
    ShouldCancel,
    never_cancel,
)
from desktop_search.core.records import STATUS_INDEXED, STATUS_SKIPPED, FileState, NewChunk
from desktop_search.core.scan import IgnoreMatcher, ScanRules, SeenFile, scan_root, stat_file, stored_path
from desktop_search.core.store import Store

log = logging.getLogger(__name__)

BATCH_FILES = 32
BATCH_CHUNKS = 256
SAVE_EVERY_S = 120.0
INDEX_MODEL_KEY = "index_model"
REEMBEDDING = "re-embedding"  # the progress phase of reading stored text with a new model
CRAWL_PRIORITY = 1000.0  # a full scan's work runs after live changes ...
DEFERRED_PRIORITY = 1e12  # ... and vanished paths after everything, so moves can reuse vectors


def live_priority(size: int) -> float:
    """A change seen by the watcher: small files first."""
    return size / 1e6


def crawl_priority(seen: SeenFile, now: float) -> float:
    """A file found by a scan: recently modified and small files first."""
    age_days = max(0.0, now - seen.mtime_ns / 1e9) / 86400
    return CRAWL_PRIORITY + age_days / 30 + seen.size / 1e6


@dataclass(frozen=True)
class IndexProgress(Progress):
    """Indexing's progress: files done/total (passages in the ``REEMBEDDING`` phase, where a
    new model reads the stored text), with the embedding speed and an ETA."""

    chunks_embedded: int = 0
    elapsed_s: float = 0.0

    @property
    def chunks_per_s(self) -> float:
        return self.chunks_embedded / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def files_per_s(self) -> float:
        return self.done / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def eta_s(self) -> float | None:
        if not self.done or self.done >= self.total:
            return None
        return self.elapsed_s / self.done * (self.total - self.done)


IndexProgressCallback = Callable[[IndexProgress], None]


def index_progress_reporter(progress: IndexProgressCallback | None, report: IndexReport) -> ProgressCallback:
    """The pipeline's phase reports as ``IndexProgress`` snapshots for ``progress``: speed and
    ETA count from now, and the passages this run embedded into ``report``."""
    started, before = time.monotonic(), report.chunks_embedded

    def tell(step: Progress) -> None:
        if progress:
            elapsed = time.monotonic() - started
            embedded = report.chunks_embedded - before
            progress(IndexProgress(step.phase, step.done, step.total, step.unit, embedded, elapsed))

    return tell


@dataclass
class IndexReport:
    """What an indexing run did."""

    files_seen: int = 0
    files_indexed: int = 0
    files_unchanged: int = 0
    files_moved: int = 0
    files_removed: int = 0
    chunks_embedded: int = 0
    chunks_reused: int = 0
    seconds: float = 0.0
    cancelled: bool = False
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # (path, status, reason)
    partly_indexed: list[tuple[str, str, str]] = field(default_factory=list)  # indexed with a note


@dataclass
class _Prepared:
    root_id: int
    seq: int
    seen: SeenFile
    document: ExtractedDocument
    chunks: list[tuple[Chunk, str]]  # (chunk, kind)


def is_file_local(exc: Exception) -> bool:
    """Whether an error while chunking, embedding or storing one file is that file's problem
    (odd text, a value SQLite refuses), as opposed to the index's: a full or failing disk, a
    locked or damaged database stop the run instead of marking every file failed."""
    refused_value = (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.DataError)
    if isinstance(exc, (*refused_value, sqlite3.InterfaceError)):
        return True
    return not isinstance(exc, (StorageError, sqlite3.DatabaseError))


def stage_failure(stage: str, exc: Exception) -> str:
    """The reason stored for a file that broke a stage after extraction."""
    return f"could not be {stage}: {type(exc).__name__}: {exc}"[:500]


def title_chunk(title: str | None) -> Chunk | None:
    """A short passage for the document's own title (Markdown heading, HTML <title>, ...).

    It comes from the content, not the file name, so a rename never needs an embedding.
    """
    return Chunk(text=title, start=0, end=0, line=1) if title else None


class Indexer:
    """Brings the database and the ANN index in line with the files under the roots."""

    def __init__(
        self,
        store: Store,
        ann: AnnIndex,
        embedder: Embedder,
        rules: ScanRules,
        max_file_bytes: int,
        extraction: ExtractionPool,
    ):
        """``extraction``: the worker pool that reads files (owned by the caller)."""
        if ann.model_id != embedder.model_id:
            raise ValueError("the ANN index and the embedder must be for the same model")
        self.extraction = extraction
        self.store = store
        self.ann = ann
        self.embedder = embedder
        self.rules = rules
        self.max_file_bytes = max_file_bytes
        self._matchers: dict[int, IgnoreMatcher] = {}
        self._roots: dict[int, Path] = {}
        self._last_save = time.monotonic()
        if store.get_meta(INDEX_MODEL_KEY) is None:
            store.set_meta(INDEX_MODEL_KEY, embedder.model_id)

    # -- finding work -------------------------------------------------------------------
    def reconcile_root(
        self,
        root_id: int,
        root: Path,
        should_cancel: ShouldCancel = never_cancel,
        folder: Path | None = None,
    ) -> tuple[int, int]:
        """Queue every file whose (size, mtime_ns, inode) differs from the DB, and every
        known file that is gone, in the root or only in its subfolder ``folder``.
        Reads no file contents. Returns (queued, unchanged)."""
        self._roots[root_id] = root
        if not root.is_dir():
            # An unmounted drive or an unplugged share looks like a folder emptied of
            # everything: keep its index until it is back (`forget` removes it on purpose).
            log.warning("Folder %s is not available; keeping its index until it returns", root)
            return 0, 0
        if folder is None or folder == root:
            known = self.store.files_of_root(root_id)
        else:
            known = {
                p: s
                for p, s in self.store.files_under(stored_path(str(folder))).items()
                if s.root_id == root_id
            }
        now = time.time()
        work: list[tuple[str, int, float]] = []
        unchanged = 0
        for seen in scan_root(root, self.rules, should_cancel, start=folder):
            state = known.pop(seen.path, None)
            if state is None or self._needs_reading(state, seen):
                work.append((seen.path, root_id, crawl_priority(seen, now)))
            else:
                unchanged += 1
            if len(work) >= 5000:
                self.store.enqueue(work)
                work = []
        if should_cancel():
            self.store.enqueue(work)
            return len(work), unchanged
        work += [(path, root_id, DEFERRED_PRIORITY) for path in known]  # vanished since last time
        self.store.enqueue(work)
        return len(work), unchanged

    def _needs_reading(self, state: FileState, seen: SeenFile) -> bool:
        """The file changed since it was recorded, or it was skipped as too large and the
        size limit, raised since, now admits it."""
        if (state.size, state.mtime_ns, state.inode) != seen.stat_key:
            return True
        too_large = state.status == STATUS_SKIPPED and is_too_large(state.reason)
        return too_large and state.size <= self.max_file_bytes

    def queue_paths(self, paths: Iterable[tuple[str, int]]) -> None:
        """Queue paths reported by the watcher (created, changed, moved or deleted)."""
        items = []
        for os_path, root_id in paths:
            path = stored_path(os_path)
            seen = stat_file(path)
            items.append((path, root_id, live_priority(seen.size) if seen else DEFERRED_PRIORITY))
        self.store.enqueue(items)

    def retry_problems(self, paths: Sequence[str] | None = None) -> int:
        """Queue failed, skipped and encrypted files (all, or these paths) to be read again
        now, as if they had changed; returns how many were queued."""
        marked = self.store.mark_for_retry(paths)
        log.info("Retrying %d files", len(marked))
        self.queue_paths(marked)
        return len(marked)

    # -- doing work -----------------------------------------------------------------------
    def pending_batches(
        self, report: IndexReport, should_cancel: ShouldCancel = never_cancel
    ) -> Iterator[tuple[int, int]]:
        """Work through the queue, most urgent first, vanished paths last; yields
        (done, total) after each batch. Between batches the caller may queue more work
        (the live indexer's fresh edits jump the queue of a long crawl)."""
        total = self.store.pending_count()
        done = 0
        while not should_cancel():
            rows = self.store.pending_batch(BATCH_FILES, below=DEFERRED_PRIORITY)
            if not rows:
                rows = self.store.pending_batch(1000, below=float("inf"))
                if not rows:
                    break
                self._purge_vanished(rows, report)
            else:
                self._process_rows(rows, report)
            done += len(rows)
            self._save_if_due()
            yield min(done, total), max(total, done)
        report.cancelled = should_cancel()

    def process_pending(
        self,
        report: IndexReport,
        progress: ProgressCallback | None = None,
        should_cancel: ShouldCancel = never_cancel,
    ) -> None:
        """Work through the whole queue (see ``pending_batches``), reporting progress."""
        for done, total in self.pending_batches(report, should_cancel):
            if progress:
                progress(Progress("indexing", done, total, "files"))

    def _root_of(self, root_id: int) -> Path | None:
        if root_id not in self._roots:
            self._roots = {rid: Path(p) for rid, p in self.store.roots()}
        return self._roots.get(root_id)

    def _allowed(self, root_id: int, path: str) -> bool:
        root = self._root_of(root_id)
        if root is None:
            return False
        matcher = self._matchers.get(root_id)
        if matcher is None or matcher.root != root:
            matcher = self._matchers[root_id] = IgnoreMatcher(root, self.rules)
        return not matcher.ignored(path, is_dir=False)

    def _process_rows(self, rows: list[tuple[str, int, int]], report: IndexReport) -> None:
        to_read: list[tuple[int, int, SeenFile]] = []
        for path, root_id, seq in rows:
            seen = stat_file(path)
            if seen is None or not self._allowed(root_id, path):
                self.store.defer(path, seq, DEFERRED_PRIORITY)  # gone: purge after the adds
                continue
            state = self.store.file_state(path)
            if state is not None and not self._needs_reading(state, seen):
                self.store.dequeue(path, seq)
                report.files_unchanged += 1
                continue
            if state is None:
                moved = self.store.find_moved(seen.stat_key)
                if moved is not None:
                    self.store.rename_file(moved.path, path, root_id, seq)
                    report.files_moved += 1
                    continue
            to_read.append((root_id, seq, seen))
        # Files are read and parsed in the worker processes, in parallel, and stored as they
        # finish, so only one batch of chunks is held at a time.
        jobs = [(Path(seen.open_path), self.max_file_bytes) for _, _, seen in to_read]
        batch: list[_Prepared] = []
        chunk_budget = 0
        for index, outcome in self.extraction.extract_many(jobs):
            root_id, seq, seen = to_read[index]
            prepared = self._prepare(root_id, seq, seen, outcome, report)
            if prepared is not None:
                batch.append(prepared)
                chunk_budget += len(prepared.chunks)
            if chunk_budget >= BATCH_CHUNKS:
                self._store_batch(batch, report)
                batch, chunk_budget = [], 0
        self._store_batch(batch, report)

    def _purge_vanished(self, rows: list[tuple[str, int, int]], report: IndexReport) -> None:
        gone = {}
        for path, root_id, seq in rows:
            if stat_file(path) is not None and self._allowed(root_id, path):
                self.store.defer(path, seq, CRAWL_PRIORITY)  # it came back
            else:
                gone[path] = seq
        known = [p for p in gone if self.store.file_state(p) is not None]
        self.ann.remove(self.store.delete_files(list(gone), gone))
        self.ann.sync_generation(self.store.vectors_generation())
        report.files_removed += len(known)

    def _prepare(
        self,
        root_id: int,
        seq: int,
        seen: SeenFile,
        outcome: ExtractedDocument | ExtractionError,
        report: IndexReport,
    ) -> _Prepared | None:
        """Chunk one extracted file; record failures and unchanged content directly."""
        if isinstance(outcome, ExtractionError) and stat_file(seen.path) is None:
            # Deleted or renamed while being read: not the file's failure. Purge the path;
            # a new name is (or will be) queued by the scan or the watcher.
            self.store.defer(seen.path, seq, DEFERRED_PRIORITY)
            return None
        if isinstance(outcome, ExtractionError):
            removed = self.store.record_file_status(
                root_id, seen.path, seen.stat_key, outcome.status, outcome.reason, seq=seq
            )
            self.ann.remove(removed)
            self.ann.sync_generation(self.store.vectors_generation())
            return None
        document = outcome
        state = self.store.file_state(seen.path)
        if (
            state is not None
            and state.status == STATUS_INDEXED
            and state.content_hash == document.content_hash
        ):
            self.store.update_file_stat(seen.path, seen.stat_key, seq)
            report.files_unchanged += 1
            return None
        try:
            chunks = [(c, "text") for c in chunk_document(document.text, document.page_starts)]
        except Exception as exc:
            if not is_file_local(exc):
                raise
            self._record_failure(root_id, seen, seq, stage_failure("split into passages", exc))
            return None
        title = title_chunk(document.title)
        if title is not None:
            chunks.insert(0, (title, "name"))
        return _Prepared(root_id, seq, seen, document, chunks)

    def _record_failure(self, root_id: int, seen: SeenFile, seq: int, reason: str) -> None:
        """Mark one file failed (its old chunks dropped); the run goes on with the others."""
        log.warning("Not indexed: %s: %s", seen.path, reason)
        stat = seen.stat_key
        removed = self.store.record_file_status(root_id, seen.path, stat, STATUS_FAILED, reason, seq=seq)
        self.ann.remove(removed)
        self.ann.sync_generation(self.store.vectors_generation())

    def _vectors_for(self, texts_by_hash: dict[str, str], report: IndexReport) -> dict[str, Vectors]:
        """Vectors for these chunk hashes: reused from the DB where possible, else embedded."""
        if not texts_by_hash:
            return {}
        vectors = self.store.vectors_for_hashes(texts_by_hash, self.embedder.model_id)
        missing = [h for h in texts_by_hash if h not in vectors]
        report.chunks_reused += len(texts_by_hash) - len(missing)
        if missing:
            embedded = self.embedder.embed_passages([texts_by_hash[h] for h in missing])
            report.chunks_embedded += len(missing)
            vectors.update(zip(missing, embedded, strict=True))
        return vectors

    def _store_batch(self, batch: Sequence[_Prepared], report: IndexReport) -> None:
        texts_by_hash = {c.content_hash: c.text for p in batch for c, _ in p.chunks}
        try:
            vectors = self._vectors_for(texts_by_hash, report)
        except Exception as exc:
            if not is_file_local(exc):
                raise
            vectors = self._vectors_file_by_file(batch, report, exc)
        for prepared in batch:
            if all(c.content_hash in vectors for c, _ in prepared.chunks):
                self._store_file(prepared, vectors, report)
        self.ann.sync_generation(self.store.vectors_generation())

    def _vectors_file_by_file(
        self, batch: Sequence[_Prepared], report: IndexReport, batch_error: Exception
    ) -> dict[str, Vectors]:
        """After a batch failed to embed: each file on its own, so only the file that breaks
        the model is marked failed. If even a plain probe fails, the model is what is broken
        (not the files): the batch's error stops the run and every file stays queued."""
        vectors: dict[str, Vectors] = {}
        for prepared in batch:
            texts = {c.content_hash: c.text for c, _ in prepared.chunks if c.content_hash not in vectors}
            try:
                vectors.update(self._vectors_for(texts, report))
            except Exception as exc:
                if not is_file_local(exc):
                    raise
                try:
                    self.embedder.embed_passages(["A plain sentence to check the model still works."])
                except Exception:
                    raise batch_error from exc
                seen = prepared.seen
                self._record_failure(prepared.root_id, seen, prepared.seq, stage_failure("embedded", exc))
        return vectors

    def _store_file(self, prepared: _Prepared, vectors: dict[str, Vectors], report: IndexReport) -> None:
        """One file's chunks and vectors in one transaction; a file SQLite refuses is marked
        failed (the transaction rolled back) and the batch goes on."""
        seen, document = prepared.seen, prepared.document
        try:
            if not prepared.chunks:
                removed = self.store.record_file_status(
                    prepared.root_id, seen.path, seen.stat_key, STATUS_INDEXED, document.note or "no text",
                    document.content_hash, seq=prepared.seq,
                )  # fmt: skip
                self.ann.remove(removed)
                report.files_indexed += 1
                return
            new_chunks = [NewChunk(c, kind, vectors[c.content_hash]) for c, kind in prepared.chunks]
            new_ids, removed = self.store.replace_file_chunks(
                prepared.root_id, seen.path, seen.stat_key, document.content_hash,
                document.title, new_chunks, self.embedder.model_id, seq=prepared.seq,
                note=document.note,
            )  # fmt: skip
        except Exception as exc:
            if not is_file_local(exc):
                raise
            self._record_failure(prepared.root_id, seen, prepared.seq, stage_failure("stored", exc))
            return
        self.ann.remove(removed)
        self.ann.add(new_ids, np.vstack([n.vector for n in new_chunks if n.vector is not None]))
        report.files_indexed += 1

    def _save_if_due(self, force: bool = False) -> None:
        if force or time.monotonic() - self._last_save > SAVE_EVERY_S:
            try:
                self.ann.save(self.store.vectors_generation())
            except OSError as exc:  # the saved index is a cache: the database is still whole
                problem = storage_problem(exc, self.ann.index_file)
                if problem is None:
                    raise
                raise StorageError(problem) from exc
            self._last_save = time.monotonic()

    # -- whole runs -----------------------------------------------------------------------
    def index_roots(
        self,
        roots: Sequence[tuple[int, Path]],
        progress: IndexProgressCallback | None = None,
        should_cancel: ShouldCancel = never_cancel,
    ) -> IndexReport:
        """Reconcile the roots, work through the queue, finish up and save the ANN index."""
        started = time.monotonic()
        report = IndexReport()
        tell = index_progress_reporter(progress, report)
        for root_id, root in roots:
            tell(Progress("scanning", 0, 0, "files"))
            _, unchanged = self.reconcile_root(root_id, root, should_cancel)
            report.files_unchanged += unchanged
        self.process_pending(report, tell, should_cancel)
        self.finish(report, should_cancel, progress=tell)
        report.cancelled = should_cancel()
        report.files_seen = report.files_indexed + report.files_unchanged + report.files_moved
        report.seconds = time.monotonic() - started
        return report

    def finish(
        self,
        report: IndexReport,
        should_cancel: ShouldCancel = never_cancel,
        save: bool = True,
        progress: ProgressCallback | None = None,
    ) -> None:
        """After the queue is drained: re-embed for a new model, compact, save, checkpoint.

        ``save=False`` (the live indexer between changes) saves only when one is due.
        ``progress`` reports passages done/in all in the ``REEMBEDDING`` phase.
        """
        if not should_cancel():
            self._backfill(report, should_cancel, progress)
            self._finish_model_switch()
        if self.ann.needs_compaction():
            log.info("Compacting the vector index (%.0f %% deleted)", self.ann.dead_fraction * 100)
            self.ann.rebuild(self.store)
        self._save_if_due(force=save)
        self.store.checkpoint(wait=save)
        report.problems = self.store.problem_files()
        report.partly_indexed = self.store.partly_indexed_files()
        if report.chunks_embedded:
            self.store.release_memory()
            self.embedder.release_memory()

    def _backfill(
        self,
        report: IndexReport,
        should_cancel: ShouldCancel,
        progress: ProgressCallback | None = None,
    ) -> None:
        """Embed chunks that have no vector for the current model (after a model change)."""
        model_id = self.embedder.model_id
        total = self.store.chunk_count()
        done = self.store.vector_count(model_id)
        if done >= total:
            return  # the usual case: nothing to re-embed
        while not should_cancel():
            if progress:
                progress(Progress(REEMBEDDING, done, total, "passages"))
            rows = self.store.chunks_missing_vectors(model_id, BATCH_CHUNKS)
            if not rows:
                return
            vectors = self._vectors_for({h: text for _, text, h in rows}, report)
            items = [(chunk_id, vectors[h]) for chunk_id, _, h in rows]
            self.store.add_vectors(items, model_id)
            self.ann.add([i for i, _ in items], np.vstack([v for _, v in items]))
            self.ann.sync_generation(self.store.vectors_generation())
            done += len(items)

    def model_switch_pending(self) -> bool:
        """True while the index's vectors are not (all) from the model new ones are made with."""
        return self.store.get_meta(INDEX_MODEL_KEY) != self.embedder.model_id

    def _finish_model_switch(self) -> None:
        """Once every chunk has a vector for the current model, make it the index's model."""
        current = self.store.get_meta(INDEX_MODEL_KEY)
        if current == self.embedder.model_id:
            return
        log.info("Index now uses %s (was %s)", self.embedder.model_id, current)
        self.store.set_meta(INDEX_MODEL_KEY, self.embedder.model_id)
        dropped = self.store.drop_other_models(self.embedder.model_id)
        log.info("Dropped %d vectors of the previous model", dropped)
        delete_saved_indexes(self.ann.index_file.parent, {self.ann.index_file})
