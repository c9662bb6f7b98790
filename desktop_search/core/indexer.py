"""The pipeline: scan -> extract -> chunk -> (reuse vectors of unchanged chunks) -> embed ->
SQLite commit -> hnswlib update. Runs on one thread, the only writer.

Long operations take plain callbacks: ``progress(IndexProgress)`` and ``should_cancel()``.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from desktop_search.core.ann import AnnIndex
from desktop_search.core.chunk import Chunk, chunk_text
from desktop_search.core.embed import Embedder, Vectors
from desktop_search.core.extract import ExtractedDocument, ExtractionError, extract
from desktop_search.core.scan import ScanRules, SeenFile, scan_root
from desktop_search.core.store import (
    STATUS_FAILED,
    STATUS_INDEXED,
    NewChunk,
    Store,
)

log = logging.getLogger(__name__)

BATCH_FILES = 32
BATCH_CHUNKS = 256
SAVE_EVERY_S = 120.0
INDEX_MODEL_KEY = "index_model"


@dataclass(frozen=True)
class IndexProgress:
    """A snapshot for progress bars: phase, files done/total, embedding speed, ETA."""

    phase: str
    files_done: int
    files_total: int
    chunks_embedded: int
    elapsed_s: float

    @property
    def chunks_per_s(self) -> float:
        return self.chunks_embedded / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def eta_s(self) -> float | None:
        if not self.files_done or self.files_done >= self.files_total:
            return None
        return self.elapsed_s / self.files_done * (self.files_total - self.files_done)


@dataclass
class IndexReport:
    """What one indexing run did."""

    files_seen: int = 0
    files_indexed: int = 0
    files_unchanged: int = 0
    files_removed: int = 0
    chunks_embedded: int = 0
    chunks_reused: int = 0
    seconds: float = 0.0
    cancelled: bool = False
    problems: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class _Prepared:
    root_id: int
    seen: SeenFile
    document: ExtractedDocument
    chunks: list[tuple[Chunk, str]]  # (chunk, kind)


_WORDS = re.compile(r"[A-Za-z]{3,}")


def name_chunk(path: str, title: str | None) -> Chunk | None:
    """A short passage for the file's title or a wordy file name, so both are searchable."""
    stem = Path(path).stem
    readable = " ".join(re.split(r"[_\-.\s]+", stem)).strip()
    if title:
        text = f"{title} ({readable})" if readable and readable.lower() not in title.lower() else title
    elif len(_WORDS.findall(stem)) >= 2:
        text = readable
    else:
        return None
    return Chunk(text=text, start=0, end=0, line=1)


class Indexer:
    """Brings the database and the ANN index in line with the files under the roots."""

    def __init__(
        self, store: Store, ann: AnnIndex, embedder: Embedder, rules: ScanRules, max_file_bytes: int
    ) -> None:
        if ann.model_id != embedder.model_id:
            raise ValueError("the ANN index and the embedder must be for the same model")
        self.store = store
        self.ann = ann
        self.embedder = embedder
        self.rules = rules
        self.max_file_bytes = max_file_bytes

    def index_roots(
        self,
        roots: Sequence[tuple[int, Path]],
        progress: Callable[[IndexProgress], None] | None = None,
        should_cancel: Callable[[], bool] = lambda: False,
    ) -> IndexReport:
        """Scan the roots, index what changed, purge what is gone, save the ANN index."""
        started = time.monotonic()
        report = IndexReport()
        model_id = self.embedder.model_id
        if self.store.get_meta(INDEX_MODEL_KEY) is None:
            self.store.set_meta(INDEX_MODEL_KEY, model_id)

        def tell(phase: str, done: int, total: int) -> None:
            if progress:
                progress(
                    IndexProgress(phase, done, total, report.chunks_embedded, time.monotonic() - started)
                )

        work: list[tuple[int, SeenFile]] = []
        for root_id, root in roots:
            tell("scanning", 0, 0)
            known = self.store.files_of_root(root_id)
            seen_paths: set[str] = set()
            for seen in scan_root(root, self.rules, should_cancel):
                seen_paths.add(seen.path)
                state = known.get(seen.path)
                if (
                    state is None
                    or (state.size, state.mtime_ns, state.inode) != seen.stat_key
                    or state.status == "pending"
                ):
                    work.append((root_id, seen))
                else:
                    report.files_unchanged += 1
            if should_cancel():
                report.cancelled = True
                break
            gone = [p for p in known if p not in seen_paths]
            if gone:
                self.ann.remove(self.store.delete_files(gone))
                self.ann.sync_generation(self.store.vectors_generation())
                report.files_removed += len(gone)
        report.files_seen = len(work) + report.files_unchanged

        last_save = time.monotonic()
        done = 0
        position = 0
        while position < len(work) and not report.cancelled:
            batch: list[_Prepared] = []
            chunk_budget = 0
            while position < len(work) and len(batch) < BATCH_FILES and chunk_budget < BATCH_CHUNKS:
                root_id, seen = work[position]
                position += 1
                prepared = self._prepare(root_id, seen, report)
                if prepared is not None:
                    batch.append(prepared)
                    chunk_budget += len(prepared.chunks)
                done += 1
            self._store_batch(batch, report)
            tell("indexing", done, len(work))
            if time.monotonic() - last_save > SAVE_EVERY_S:
                self.ann.save(self.store.vectors_generation())
                last_save = time.monotonic()
            if should_cancel():
                report.cancelled = True

        if not report.cancelled:
            self._backfill(report, should_cancel, tell)
        if not report.cancelled:
            self._finish_model_switch()
        if self.ann.needs_compaction():
            log.info("Compacting the vector index (%.0f %% deleted)", self.ann.dead_fraction * 100)
            self.ann.rebuild(self.store)
        tell("saving", done, len(work))
        self.ann.save(self.store.vectors_generation())
        self.store.checkpoint()
        report.problems = self.store.problem_files()
        report.seconds = time.monotonic() - started
        return report

    def _prepare(self, root_id: int, seen: SeenFile, report: IndexReport) -> _Prepared | None:
        """Extract and chunk one file; record failures and unchanged content directly."""
        try:
            document = extract(Path(seen.path), self.max_file_bytes)
        except ExtractionError as error:
            removed = self.store.record_file_status(
                root_id, seen.path, seen.stat_key, error.status, error.reason
            )
            self.ann.remove(removed)
            return None
        except Exception as exc:  # never let one file stop the crawl
            log.exception("Unexpected error extracting %s", seen.path)
            self.store.record_file_status(
                root_id, seen.path, seen.stat_key, STATUS_FAILED, f"internal error: {exc}"
            )
            return None
        state = self.store.file_state(seen.path)
        if (
            state is not None
            and state.status == STATUS_INDEXED
            and state.content_hash == document.content_hash
        ):
            self.store.update_file_stat(seen.path, seen.stat_key)
            report.files_unchanged += 1
            return None
        chunks = [(c, "text") for c in chunk_text(document.text)]
        title_chunk = name_chunk(seen.path, document.title)
        if title_chunk is not None:
            chunks.insert(0, (title_chunk, "name"))
        return _Prepared(root_id, seen, document, chunks)

    def _vectors_for(self, texts_by_hash: dict[str, str], report: IndexReport) -> dict[str, Vectors]:
        """Vectors for these chunk hashes: reused from the DB where possible, else embedded."""
        model_id = self.embedder.model_id
        if not texts_by_hash:
            return {}
        vectors = self.store.vectors_for_hashes(texts_by_hash, model_id)
        missing = [h for h in texts_by_hash if h not in vectors]
        report.chunks_reused += len(texts_by_hash) - len(missing)
        if missing:
            embedded = self.embedder.embed_passages([texts_by_hash[h] for h in missing])
            report.chunks_embedded += len(missing)
            vectors.update(zip(missing, embedded, strict=True))
        return vectors

    def _store_batch(self, batch: list[_Prepared], report: IndexReport) -> None:
        texts_by_hash = {c.content_hash: c.text for p in batch for c, _ in p.chunks}
        vectors = self._vectors_for(texts_by_hash, report)
        for prepared in batch:
            seen = prepared.seen
            if not prepared.chunks:
                removed = self.store.record_file_status(
                    prepared.root_id,
                    seen.path,
                    seen.stat_key,
                    STATUS_INDEXED,
                    "no text",
                    prepared.document.content_hash,
                )
                self.ann.remove(removed)
            else:
                new_chunks = [NewChunk(c, kind, vectors[c.content_hash]) for c, kind in prepared.chunks]
                new_ids, removed = self.store.replace_file_chunks(
                    prepared.root_id,
                    seen.path,
                    seen.stat_key,
                    prepared.document.content_hash,
                    prepared.document.title,
                    new_chunks,
                    self.embedder.model_id,
                )
                self.ann.remove(removed)
                self.ann.add(new_ids, np.vstack([n.vector for n in new_chunks if n.vector is not None]))
            report.files_indexed += 1
        self.ann.sync_generation(self.store.vectors_generation())

    def _backfill(
        self,
        report: IndexReport,
        should_cancel: Callable[[], bool],
        tell: Callable[[str, int, int], None],
    ) -> None:
        """Embed chunks that have no vector for the current model (after a model change)."""
        model_id = self.embedder.model_id
        while not should_cancel():
            rows = self.store.chunks_missing_vectors(model_id, BATCH_CHUNKS)
            if not rows:
                return
            texts_by_hash = {h: text for _, text, h in rows}
            vectors = self._vectors_for(texts_by_hash, report)
            items = [(chunk_id, vectors[h]) for chunk_id, _, h in rows]
            self.store.add_vectors(items, model_id)
            self.ann.add([i for i, _ in items], np.vstack([v for _, v in items]))
            self.ann.sync_generation(self.store.vectors_generation())
            tell("re-embedding", 0, 0)
        report.cancelled = True

    def _finish_model_switch(self) -> None:
        """Once every chunk has a vector for the current model, make it the index's model."""
        current = self.store.get_meta(INDEX_MODEL_KEY)
        if current == self.embedder.model_id:
            return
        log.info("Index now uses %s (was %s)", self.embedder.model_id, current)
        self.store.set_meta(INDEX_MODEL_KEY, self.embedder.model_id)
        dropped = self.store.drop_other_models(self.embedder.model_id)
        log.info("Dropped %d vectors of the previous model", dropped)
