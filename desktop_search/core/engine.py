"""One data dir's engine: settings, store, model, ANN index, indexer and searcher, wired.

The CLI and the GUI both use this; nothing here knows about Qt.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from desktop_search.core import problems
from desktop_search.core.ann import AnnIndex, delete_saved_indexes
from desktop_search.core.errors import CorruptDatabaseError, UserError
from desktop_search.core.extract.sandbox import ExtractionPool
from desktop_search.core.indexer import INDEX_MODEL_KEY, Indexer, IndexProgress, IndexReport
from desktop_search.core.lock import WriterLock
from desktop_search.core.model.embed import Embedder, default_threads, trim_c_heap
from desktop_search.core.model.provision import (
    ModelLocations,
    ResolvedModel,
    all_variants,
    choose_variant,
    installed_models,
    resolve_model,
)
from desktop_search.core.paths import AppPaths, bundled_resources_dir
from desktop_search.core.progress import ProgressCallback, ShouldCancel, never_cancel
from desktop_search.core.query import SearchFilters
from desktop_search.core.recovery import ROOTS_FILE, recover, recovery_notice, save_roots_mirror
from desktop_search.core.scan import ScanRules
from desktop_search.core.search import Searcher, SearchResponse
from desktop_search.core.search_reads import SearchReads
from desktop_search.core.settings import Settings, load_settings
from desktop_search.core.status import IndexStatus, ModelStatus, ProviderStatus, Status, WatchStatus
from desktop_search.core.store import Store

log = logging.getLogger(__name__)

PURGE_PENDING_KEY = "purge_pending"

WATCH_STATE_KEY = "watch_state"  # written by a running live indexer, read by status


def model_locations(paths: AppPaths) -> ModelLocations:
    return ModelLocations(bundled_dir=bundled_resources_dir() / "models", user_dir=paths.models_dir)


@dataclass(frozen=True)
class ModelInUse:
    """A loaded model and the ANN index of its vectors."""

    resolved: ResolvedModel
    embedder: Embedder
    ann: AnnIndex


class Engine:
    """Open with ``Engine.open(paths, settings)`` or ``Engine.open_profile(paths)``; close
    when done (or use it as a context manager)."""

    def __init__(self, paths: AppPaths, settings: Settings, store: Store) -> None:
        self.paths = paths
        self.settings = settings
        self.store = store
        self._models: dict[str, ModelInUse] = {}
        self._preferred: ResolvedModel | None = None
        self._writing = 0
        self._searchers: dict[str, Searcher] = {}
        self._reads: SearchReads | None = None
        self._extraction: ExtractionPool | None = None
        self._writer_thread: int | None = None
        # The GUI's search thread and the indexing thread may both ask for a model first.
        self._models_lock = threading.RLock()

    @classmethod
    def open(cls, paths: AppPaths, settings: Settings) -> Engine:
        """Open the data dir; a damaged database is moved aside and started again."""
        paths.ensure()
        try:
            store = Store(paths.database)
        except CorruptDatabaseError as exc:
            with WriterLock(paths.lock_file):
                store = recover(paths.database, str(exc.__cause__ or exc))
        if not (paths.data_dir / ROOTS_FILE).exists():  # a data dir from before the mirror
            with contextlib.suppress(OSError):
                save_roots_mirror(store)
        return cls(paths, settings, store)

    @classmethod
    def open_profile(cls, paths: AppPaths) -> Engine:
        """Open with the settings saved in the data dir."""
        return cls.open(paths, load_settings(paths.settings_file))

    def close(self) -> None:
        if self._extraction is not None:
            self._extraction.close()
        with self._models_lock:
            for searcher in self._searchers.values():
                searcher.close()
            self._searchers.clear()
            if self._reads is not None:
                self._reads.close()
        self.store.close()

    @property
    def reads(self) -> SearchReads:
        """The database's read-only side, for searches and status: it never waits for the
        writer (whose transactions hold the store's connection for a batch)."""
        with self._models_lock:
            if self._reads is None:
                self._reads = SearchReads(self.paths.database)
            return self._reads

    def release_memory(self) -> None:
        """Give back what an idle app does not need: SQLite's page cache, onnxruntime's
        arena, freed C heap (bench.footprint: ~8-20 MB after a few hundred searches). The
        next query reads its pages from the OS cache again (no slower at the median)."""
        self.store.release_memory()
        if self._reads is not None:
            self._reads.release_memory()
        for model in self._loaded_models():
            model.embedder.release_memory()
        trim_c_heap()

    def unload_idle_models(self, idle_s: float) -> int:
        """Drop the sessions of models unused (by searches and indexing) for ``idle_s``;
        they load again on next use. Returns how many were dropped."""
        return sum(model.embedder.unload(idle_s) for model in self._loaded_models())

    def warm_up(self) -> None:
        """Load again what ``unload_idle_models`` dropped, before the first query (the window
        opens). A model never loaded is left to the first query: it may need preparing."""
        for model in self._loaded_models():
            model.embedder.warm_up()

    def _loaded_models(self) -> list[ModelInUse]:
        with self._models_lock:
            return list(self._models.values())

    def extraction_pool(self) -> ExtractionPool:
        """The worker processes that read files (started on first use, stopped when idle)."""
        if self._extraction is None:
            self._extraction = ExtractionPool()
        return self._extraction

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def apply_settings(self, settings: Settings) -> None:
        """Use new settings from now on (the app stops its indexer first). A new model or
        precision takes effect for new vectors; search keeps the index's model until the
        re-embedding is done."""
        with self._models_lock:
            self.settings = settings
            self._preferred = None

    # -- models -------------------------------------------------------------------------
    def preferred_model(self) -> ResolvedModel:
        """The model new vectors are made with: the setting's model, or the offline fallback."""
        with self._models_lock:  # two threads must not both prepare the offline model
            return self._preferred_locked()

    def _preferred_locked(self) -> ResolvedModel:
        if self._preferred is None:
            resolved = resolve_model(model_locations(self.paths), self.settings.model)
            self._preferred = choose_variant(resolved, self.settings.provider, self.settings.precision)
            if self._preferred.fallback_reason:
                log.info(
                    "Using the offline model %s: %s",
                    self._preferred.manifest.name,
                    self._preferred.fallback_reason,
                )
        return self._preferred

    def _load(self, resolved: ResolvedModel, progress: ProgressCallback | None = None) -> ModelInUse:
        model_id = resolved.manifest.model_id
        with self._models_lock:
            return self._load_locked(resolved, model_id, progress)

    def _load_locked(
        self, resolved: ResolvedModel, model_id: str, progress: ProgressCallback | None
    ) -> ModelInUse:
        model = self._models.get(model_id)
        if model is None:
            ann = AnnIndex(self.paths.ann_dir, model_id, resolved.manifest.dimension)
            ann.open(self.store, progress)
            self._save_if_rebuilt(ann)
            model = ModelInUse(resolved, self._new_embedder(resolved), ann)
            trim_c_heap()  # loading or rebuilding leaves freed buffers behind
        elif (model.embedder.provider.requested, model.embedder.threads) != self._session_settings():
            # Threads or provider changed in the settings: a new session; the ANN index stays.
            log.info(
                "Loading %s again for the new settings (%s, %s threads)", model_id, *self._session_settings()
            )
            model = dataclasses.replace(model, embedder=self._new_embedder(resolved))
            searcher = self._searchers.pop(model_id, None)
            if searcher is not None:
                searcher.close()
        self._models[model_id] = model
        return model

    def _session_settings(self) -> tuple[str, int]:
        """What makes an onnxruntime session differ, besides the model: provider and threads."""
        return self.settings.provider, self.settings.threads or default_threads()

    def _new_embedder(self, resolved: ResolvedModel) -> Embedder:
        provider, threads = self._session_settings()
        cache = self.paths.models_dir / ".provider-cache"
        return Embedder(
            resolved.folder, resolved.manifest, provider=provider, threads=threads, cache_dir=cache
        )

    def _save_if_rebuilt(self, ann: AnnIndex) -> None:
        """After a rebuild, save it (if no other process is writing) so the next start need not."""
        if ann.health().loaded_from_disk:
            return
        lock = WriterLock(self.paths.lock_file)
        if lock.acquire(blocking=False):
            try:
                generation = self.reads.vectors_generation()
                if ann.matches(generation):  # nobody wrote since the rebuild
                    ann.save(generation)
            except OSError as exc:  # a read-only or full disk must not stop search
                log.warning("Could not save the rebuilt vector index: %s", exc)
            finally:
                lock.release()

    def search_model(self) -> ResolvedModel:
        """The model the index's vectors were made with, so search works during a switch."""
        index_model = self.reads.get_meta(INDEX_MODEL_KEY)
        preferred = self.preferred_model()
        if index_model is None or index_model == preferred.manifest.model_id:
            return preferred
        for installed in installed_models(model_locations(self.paths)):
            for variant in all_variants(installed):
                if variant.manifest.model_id == index_model:
                    return variant
        raise UserError(
            f"The index was built with {index_model}, which is no longer installed; "
            f"run `desktop-search index` to re-embed with {preferred.manifest.model_id}."
        )

    # -- roots and indexing ---------------------------------------------------------------
    def add_roots(self, folders: list[Path]) -> list[tuple[int, Path]]:
        roots = []
        for folder in folders:
            resolved = folder.expanduser().resolve()
            if not resolved.is_dir():
                raise UserError(f"{folder} is not a folder")
            roots.append((self.store.add_root(str(resolved)), resolved))
        save_roots_mirror(self.store)
        return roots

    def roots(self) -> list[tuple[int, Path]]:
        return [(root_id, Path(path)) for root_id, path in self.store.roots()]

    def index(
        self,
        roots: list[tuple[int, Path]] | None = None,
        progress: Callable[[IndexProgress], None] | None = None,
        should_cancel: ShouldCancel = never_cancel,
    ) -> IndexReport:
        """Index the given roots (default: all) under the data dir's writer lock."""
        with self.writing():
            indexer = self.make_indexer()
            return indexer.index_roots(roots if roots is not None else self.roots(), progress, should_cancel)

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the data dir's writer lock; meanwhile this process's ANN index is the truth.

        Re-entrant on the thread that holds it (the live indexer forgets a folder while
        holding it); another thread of this process is refused like another process."""
        if self._writer_thread == threading.get_ident():
            self._writing += 1
            try:
                yield
            finally:
                self._writing -= 1
            return
        with WriterLock(self.paths.lock_file):
            self._writer_thread = threading.get_ident()
            self._writing += 1
            try:
                if self.store.get_meta(PURGE_PENDING_KEY) == "1":
                    self._finish_purge()  # a forget was cut short (crash, power loss)
                yield
            finally:
                self._writing -= 1
                self._writer_thread = None

    def scan_rules(self) -> ScanRules:
        return ScanRules(
            index_hidden=self.settings.index_hidden_files,
            exclude_patterns=self.settings.exclude_patterns,
            excluded_paths=frozenset({str(self.paths.data_dir)}),  # never index ourselves
            honour_ignore_files=self.settings.honour_ignore_files,
        )

    def make_indexer(self) -> Indexer:
        """An indexer for the preferred model. Use it only while holding the writer lock."""
        model = self._load(self.preferred_model())
        return Indexer(
            self.store, model.ann, model.embedder, self.scan_rules(), self.settings.max_file_size_bytes,
            self.extraction_pool(),
        )  # fmt: skip

    def retry_problems(
        self, paths: list[Path] | None = None, progress: Callable[[IndexProgress], None] | None = None
    ) -> IndexReport:
        """Read failed, skipped and encrypted files again (all, or these) and index them."""
        with self.writing():
            indexer = self.make_indexer()
            indexer.retry_problems(None if paths is None else [str(p.resolve()) for p in paths])
            return indexer.index_roots([], progress)

    def forget(self, folder: Path) -> int:
        """Remove a root and purge its files, chunks and vectors; returns files removed."""
        resolved = str(folder.expanduser().resolve())
        matching = [root_id for root_id, path in self.store.roots() if path == resolved]
        if not matching:
            raise UserError(f"{folder} is not an indexed folder (see `desktop-search status`)")
        with self.writing():
            # Files another root also holds (one inside this folder, or around it) stay,
            # with their vectors.
            self.store.hand_over_covered_files(matching[0])
            files = len(self.store.files_of_root(matching[0]))
            # Marked first: if the process dies before the purge ends, the next writer ends it.
            self.store.set_meta(PURGE_PENDING_KEY, "1")
            self.store.remove_root(matching[0])
            save_roots_mirror(self.store)
            self._finish_purge()
        return files

    def _finish_purge(self) -> None:
        """Leave no trace of deleted text and vectors on disk: free pages, moved-aside
        databases, saved hnswlib files."""
        log.info("Purging forgotten text and vectors from the data dir")
        self.store.checkpoint()
        self.store.vacuum()  # so the forgotten text is not left in free pages
        for damaged in self.paths.data_dir.glob(f"{self.paths.database.name}.damaged-*"):
            damaged.unlink(missing_ok=True)  # a moved-aside database may hold that text too
        # Rebuilt, not just marked deleted: the forgotten vectors must leave the file too
        # (a saved index of a model not loaded now is deleted, and rebuilt when needed).
        self._rebuild_saved_indexes(self.store.vectors_generation())
        self.store.set_meta(PURGE_PENDING_KEY, "0")
        self.store.checkpoint()

    def _rebuild_saved_indexes(self, generation: int) -> None:
        # The models loaded now; one a search loads meanwhile reads the database afresh.
        for model in self._loaded_models():
            model.ann.rebuild(self.store)
            model.ann.save(generation)
        with self._models_lock:
            delete_saved_indexes(self.paths.ann_dir, {m.ann.index_file for m in self._models.values()})

    # -- search ---------------------------------------------------------------------------
    def searcher(self) -> Searcher:
        """The searcher for the index's model (kept: it owns a small thread pool)."""
        with self._models_lock:
            model = self._load(self.search_model())
            self._refresh_if_stale(model)
            key = model.resolved.manifest.model_id
            if key not in self._searchers:
                self._searchers[key] = Searcher(self.reads, model.ann, model.embedder)
            return self._searchers[key]

    def _refresh_if_stale(self, model: ModelInUse) -> None:
        """Another process may have indexed since we loaded: reload or rebuild the ANN.

        Not while this process writes: its indexer keeps the shared ANN index in step (the
        generation may be a batch ahead of it for a moment, which is fine for a reader)."""
        generation = self.reads.vectors_generation()
        if self._writing or model.ann.matches(generation):
            return
        model.ann.open(self.reads)
        self._save_if_rebuilt(model.ann)

    def search(
        self, query: str, limit: int = 10, mode: str = "hybrid", filters: SearchFilters | None = None
    ) -> SearchResponse:
        return self.searcher().search(query, limit, mode, filters)

    # -- status ---------------------------------------------------------------------------
    def status(self) -> Status:
        """Roots, files by status, chunks, the model and provider in use, index health."""
        preferred = self.preferred_model()
        search_model = self.search_model()
        with self._models_lock:  # as for a search: no other thread reloads the ANN index meanwhile
            model = self._load(search_model)
            self._refresh_if_stale(model)
        health = model.ann.health()
        vector_models = self.reads.vector_models()
        manifest, provider = search_model.manifest, model.embedder.provider
        return Status(
            data_dir=str(self.paths.data_dir),
            roots=[path for _, path in self.reads.roots()],
            files=self.reads.status_counts(),
            chunks=self.reads.chunk_count(),
            model=ModelStatus(
                name=manifest.name,
                id=manifest.model_id,
                source=manifest.source,
                variant=manifest.variant,
                cpu_variant_reason=manifest.cpu_variant_reason,
                origin=search_model.origin,
                preferred=self.settings.model,
                preferred_id=preferred.manifest.model_id,
                preferred_variant=preferred.manifest.variant,
                fallback_reason=search_model.fallback_reason,
                reembed_needed=manifest.model_id != preferred.manifest.model_id,
            ),
            provider=ProviderStatus(
                provider.requested, provider.active, provider.fallback_reason, model.embedder.threads
            ),
            index=IndexStatus(
                vectors=vector_models,
                ann_live=health.live,
                ann_deleted=health.deleted,
                ann_loaded_from_disk=health.loaded_from_disk,
                ann_rebuild_reason=health.rebuild_reason,
                healthy=health.live == vector_models.get(model.resolved.manifest.model_id, 0),
            ),
            not_indexed=dict(problems.summary(self.reads.problem_files(limit=10**9))),
            partly_indexed=dict(problems.summary(self.reads.partly_indexed_files(limit=10**9))),
            watch=self._watch_state(),
            pending=self.reads.pending_count(),
            recovery=recovery_notice(self.reads),
        )

    def _watch_state(self) -> WatchStatus | None:
        """How a running `watch` (or the app) keeps each root fresh, if one is running."""
        try:
            record = json.loads(self.reads.get_meta(WATCH_STATE_KEY) or "{}")
            pid = int(record["pid"])
            if os.name == "posix":
                os.kill(pid, 0)  # signal 0 only checks: raises if that process is gone
        except (ValueError, KeyError, TypeError, OSError):
            return None
        return WatchStatus(pid, dict(record.get("roots", {})))
