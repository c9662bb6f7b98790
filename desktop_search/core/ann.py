"""hnswlib index over chunk vectors: a rebuildable cache of the SQLite ``vectors`` table.

The file is saved atomically (temp file, fsync, rename) with a JSON sidecar holding its
checksum, element counts, model id and the database's vectors generation. A file is loaded
only if all of those match; otherwise it is rebuilt from SQLite, so a truncated or garbled
file never reaches ``hnswlib.load_index`` (which trusts the header and can crash).
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hnswlib
import numpy as np
import numpy.typing as npt

from desktop_search.core.files import atomic_write, sha256_of
from desktop_search.core.progress import Progress, ProgressCallback
from desktop_search.core.store import Store

log = logging.getLogger(__name__)

SIDECAR_FORMAT = 1
M = 16
EF_CONSTRUCTION = 200
EF_SEARCH = 96


def capacity_for(count: int) -> int:
    """Room for ``count`` elements and a little growth. hnswlib keeps a lock, a level and a
    visited mark per element of capacity (~46 B), so doubled headroom cost ~5 MB per 100k."""
    return count + max(1024, count // 8)


REBUILD_DEAD_FRACTION = 0.20
REBUILDING = "rebuilding the vector index"  # the progress phase of a rebuild


def delete_saved_indexes(folder: Path, keep: set[Path]) -> None:
    """Delete the saved indexes (and sidecars) in ``folder`` but those in ``keep``: a model's
    index left from before a switch, or one that a purge made stale."""
    for stale in folder.glob("*.hnsw"):
        if stale not in keep:
            stale.unlink(missing_ok=True)
            stale.with_suffix(".json").unlink(missing_ok=True)


@dataclass(frozen=True)
class AnnHealth:
    """What status reports about the ANN cache."""

    live: int
    deleted: int
    loaded_from_disk: bool
    rebuild_reason: str | None


class AnnIndex:
    """Thread-safe wrapper: one lock serialises queries against adds, deletes and resizes."""

    def __init__(self, folder: Path, model_id: str, dimension: int) -> None:
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", model_id)
        self.index_file = folder / f"{safe}.hnsw"
        self.sidecar_file = folder / f"{safe}.json"
        self.model_id = model_id
        self.dimension = dimension
        self._lock = threading.Lock()
        self._index = self._new_index(1024)
        self._live = 0
        self._deleted = 0
        self._generation = -1
        self._loaded_from_disk = False
        self._rebuild_reason: str | None = None

    def _new_index(self, capacity: int) -> Any:
        index = hnswlib.Index(space="ip", dim=self.dimension)
        index.init_index(max_elements=max(capacity, 1024), ef_construction=EF_CONSTRUCTION, M=M)
        index.set_ef(EF_SEARCH)
        return index

    # -- lifecycle ----------------------------------------------------------------------
    def open(self, store: Store, progress: ProgressCallback | None = None) -> AnnHealth:
        """Load the saved index if it verifies against the sidecar and the DB, else rebuild."""
        generation = store.vectors_generation()
        problem = self._verify_saved(generation)
        if problem is None:
            try:
                self._load()
                self._loaded_from_disk = True
                return self.health()
            except (RuntimeError, OSError, ValueError) as exc:  # hnswlib raises RuntimeError
                problem = f"load failed: {exc}"
        log.info("Rebuilding the vector index from the database (%s)", problem)
        self.rebuild(store, progress, reason=problem)
        return self.health()

    def _read_sidecar(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.sidecar_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def _verify_saved(self, generation: int) -> str | None:
        """None when the saved file can be trusted, else why not."""
        if not self.index_file.exists():
            return "no saved index"
        sidecar = self._read_sidecar()
        if sidecar is None:
            return "missing or unreadable sidecar"
        expected = {
            "format": SIDECAR_FORMAT,
            "model_id": self.model_id,
            "dimension": self.dimension,
        }
        for key, value in expected.items():
            if sidecar.get(key) != value:
                return f"sidecar {key} mismatch"
        if sidecar.get("generation") != generation:
            return "index is older than the database"
        if self.index_file.stat().st_size != sidecar.get("size"):
            return "index file size mismatch (truncated?)"
        if sha256_of(self.index_file) != sidecar.get("sha256"):
            return "index file checksum mismatch"
        return None

    def _load(self) -> None:
        sidecar = self._read_sidecar() or {}
        # The saved capacity may hold a crawl's growth headroom: load with room for what is there.
        count = int(sidecar["live"]) + int(sidecar["deleted"])
        index = hnswlib.Index(space="ip", dim=self.dimension)
        index.load_index(str(self.index_file), max_elements=capacity_for(count))
        index.set_ef(EF_SEARCH)
        with self._lock:
            self._index = index
            self._live = int(sidecar["live"])
            self._deleted = int(sidecar["deleted"])
            self._generation = int(sidecar["generation"])

    def rebuild(
        self,
        store: Store,
        progress: ProgressCallback | None = None,
        reason: str | None = None,
    ) -> None:
        """Build a fresh index from every vector of this model in SQLite."""
        total = store.vector_count(self.model_id)
        generation = store.vectors_generation()
        index = self._new_index(capacity_for(total))
        done = 0
        for ids, vectors in store.iter_vectors(self.model_id):
            index.add_items(vectors, np.asarray(ids, dtype=np.int64))
            done += len(ids)
            if progress:
                progress(Progress(REBUILDING, done, total, "vectors"))
        with self._lock:
            self._index = index
            self._live = done
            self._deleted = 0
            self._generation = generation
            self._loaded_from_disk = False
            self._rebuild_reason = reason

    def save(self, generation: int) -> None:
        """Write the index and then its sidecar, each atomically. Queries wait only while the
        graph is written out; the fsync and the checksum of the file run beside them."""
        self.index_file.parent.mkdir(parents=True, exist_ok=True)
        counts: dict[str, int] = {}

        def write(tmp: Path) -> None:
            with self._lock:
                self._index.save_index(str(tmp))
                counts.update(
                    live=self._live, deleted=self._deleted, capacity=int(self._index.get_max_elements())
                )
                self._generation = generation

        atomic_write(self.index_file, write)
        sidecar = {
            "format": SIDECAR_FORMAT,
            "model_id": self.model_id,
            "dimension": self.dimension,
            "generation": generation,
            **counts,
            "size": self.index_file.stat().st_size,
            "sha256": sha256_of(self.index_file),
        }
        atomic_write(self.sidecar_file, lambda tmp: tmp.write_text(json.dumps(sidecar), encoding="utf-8"))

    def matches(self, generation: int) -> bool:
        """Whether the in-memory index reflects this vectors generation of the database."""
        return self._generation == generation

    # -- updates ------------------------------------------------------------------------
    def sync_generation(self, generation: int) -> None:
        """Declare that the in-memory index now reflects this database generation."""
        self._generation = generation

    def add(self, ids: Sequence[int], vectors: npt.NDArray[np.float32]) -> None:
        if not len(ids):
            return
        with self._lock:
            needed = int(self._index.get_current_count()) + len(ids)
            capacity = int(self._index.get_max_elements())
            if needed > capacity:
                self._index.resize_index(capacity_for(needed))
            before = int(self._index.get_current_count())
            self._index.add_items(np.asarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64))
            # A label already there is updated in place, not added: counting it again made
            # the live count drift up, and queries then asked hnswlib for more than it holds.
            self._live += int(self._index.get_current_count()) - before

    def remove(self, ids: Sequence[int]) -> None:
        with self._lock:
            for label in ids:
                with contextlib.suppress(RuntimeError):  # not in the index (never embedded)
                    self._index.mark_deleted(int(label))
                    self._live -= 1
                    self._deleted += 1

    @property
    def dead_fraction(self) -> float:
        total = self._live + self._deleted
        return self._deleted / total if total else 0.0

    def needs_compaction(self) -> bool:
        return self.dead_fraction > REBUILD_DEAD_FRACTION

    # -- queries ------------------------------------------------------------------------
    def query(
        self, vector: npt.NDArray[np.float32], k: int, allowed: set[int] | None = None
    ) -> tuple[list[int], list[float]]:
        """Up to ``k`` nearest chunk ids (only ``allowed`` ones, if given) and their
        inner-product similarities, best first."""
        query = np.asarray(vector, dtype=np.float32).reshape(1, -1)
        with self._lock:
            k = min(k, self._live, len(allowed) if allowed is not None else k)
            self._index.set_ef(max(EF_SEARCH, k))
            accept = allowed.__contains__ if allowed is not None else None
            found = self._knn(query, k, accept)
            if found is None:  # fewer reachable items than k (filtered, deleted): as many as there are
                found = self._most_reachable(query, k, accept)
            if found is None:
                return [], []
            labels, distances = found
        ids = [int(x) for x in labels[0]]
        scores = [float(1.0 - d) for d in distances[0]]  # hnswlib 'ip' distance is 1 - dot
        return ids, scores

    def _knn(self, query: Any, k: int, accept: Callable[[int], bool] | None) -> tuple[Any, Any] | None:
        if k <= 0:
            return None
        try:
            labels, distances = self._index.knn_query(query, k=k, filter=accept)
        except RuntimeError:
            return None
        return labels, distances

    def _most_reachable(
        self, query: Any, k: int, accept: Callable[[int], bool] | None
    ) -> tuple[Any, Any] | None:
        """The largest answer hnswlib can give below ``k`` (found by bisection: halving would
        drop up to half of what is there, ties included — a file's copies then hide it)."""
        best, low, high = None, 0, k - 1  # k itself failed
        while low < high:
            middle = (low + high + 1) // 2
            found = self._knn(query, middle, accept)
            if found is None:
                high = middle - 1
            else:
                best, low = found, middle
        return best if best is not None else self._knn(query, low, accept)

    def health(self) -> AnnHealth:
        return AnnHealth(self._live, self._deleted, self._loaded_from_disk, self._rebuild_reason)

    def __len__(self) -> int:
        return self._live
