"""Text -> L2-normalised vectors with an onnxruntime session and a fast tokenizer.

One ``Embedder`` per process. Texts are tokenised once, sorted by length and batched by
a token budget so that padding only ever reaches the longest text of its batch.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import numpy as np
import numpy.typing as npt
import onnxruntime as ort
from tokenizers import Encoding, Tokenizer

import desktop_search  # noqa: F401  (sets ORT_DISABLE_TELEMETRY before onnxruntime loads)
from desktop_search.core.model.manifest import TOKENIZER_FILE, ModelManifest
from desktop_search.core.priority import made_at_background_priority
from desktop_search.core.progress import Progress, ProgressCallback

log = logging.getLogger(__name__)

Vectors = npt.NDArray[np.float32]

PROVIDER_NAMES = {
    "cpu": "CPUExecutionProvider",
    "cuda": "CUDAExecutionProvider",
    "coreml": "CoreMLExecutionProvider",
}
DEFAULT_TOKEN_BUDGET = 2048  # padded tokens per batch: measured faster than larger batches on CPU
MAX_BATCH = 64
QUERIES, PASSAGES = "queries", "passages"  # the two sessions of an Embedder on a CPU


@dataclass(frozen=True)
class ProviderReport:
    """The provider that was asked for, the one actually running, and why they differ."""

    requested: str
    active: str
    fallback_reason: str | None


def default_threads() -> int:
    """Leave a core for the rest of the machine; at least one thread."""
    return max(1, min(4, (os.cpu_count() or 2) - 1)) if (os.cpu_count() or 1) > 2 else 2


def providers_for(requested: str, cache_dir: Path | None = None) -> list[str | tuple[str, dict[str, str]]]:
    """onnxruntime providers, best first, for a provider setting (the CPU always last)."""
    available = set(ort.get_available_providers())
    chosen: list[str | tuple[str, dict[str, str]]] = []
    if requested in ("auto", "cuda") and PROVIDER_NAMES["cuda"] in available:
        chosen.append(PROVIDER_NAMES["cuda"])
    # CoreML only when asked: with dynamic shapes it can split the graph and be slower.
    if requested == "coreml" and PROVIDER_NAMES["coreml"] in available:
        options = {"ModelCacheDirectory": str(cache_dir)} if cache_dir else {}
        chosen.append((PROVIDER_NAMES["coreml"], options))
    chosen.append(PROVIDER_NAMES["cpu"])
    return chosen


def trim_c_heap() -> None:
    """Return freed C heap memory to the system (glibc only; elsewhere nothing to do)."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):  # musl and others: no malloc_trim
        ctypes.CDLL("libc.so.6").malloc_trim(0)


class Embedder:
    """Embeds passages and queries with one model folder (see ``ModelManifest``)."""

    def __init__(
        self,
        folder: Path,
        manifest: ModelManifest,
        provider: str = "auto",
        threads: int = 0,
        token_budget: int = DEFAULT_TOKEN_BUDGET,
        cache_dir: Path | None = None,
    ) -> None:
        self.manifest = manifest
        self.token_budget = max(token_budget, manifest.max_tokens)
        self.texts_embedded = 0  # how many texts went through the model (tests count it)
        self.loads = 0  # how many times a session was created (tests count it)
        self._lock = threading.Lock()  # the tokenizer's truncation state is not thread-safe
        self._folder = folder
        self.threads = threads or default_threads()
        self._providers = providers_for(provider, cache_dir)
        self._tokenizer: Tokenizer | None = None
        self._sessions: dict[str, ort.InferenceSession] = {}
        self._last_used: dict[str, float] = {}
        # With a GPU asked for, one session serves both: a second would hold a second copy of
        # the weights in device memory, and the CPU threads it would spare do little there.
        self._separate_query_session = self._providers == [PROVIDER_NAMES["cpu"]]
        _, session = self._loaded(QUERIES)
        self._input_names = {i.name for i in session.get_inputs()}
        active = session.get_providers()[0]
        wanted = PROVIDER_NAMES.get(provider)
        fallback = None
        if wanted and active != wanted:
            fallback = f"{wanted} is not usable here; running on {active}"
            log.warning("Execution provider fallback: %s", fallback)
        self.provider = ProviderReport(provider, active, fallback)
        # On a GPU, inputs are copied to the device once and the output is written straight
        # into host memory (IO binding) instead of onnxruntime's extra staging copies.
        self.io_binding_device = "cuda" if active == PROVIDER_NAMES["cuda"] else None

    def _role(self, role: str) -> str:
        return role if self._separate_query_session else PASSAGES

    def _loaded(self, role: str) -> tuple[Tokenizer, ort.InferenceSession]:
        """The tokenizer and the session for ``role`` (QUERIES or PASSAGES), created again if
        ``unload`` dropped them. Call with ``_lock`` held (or from the constructor).

        On a CPU, queries and passages have a session each. Passages (indexing): the thread
        count of the settings, and worker threads at background priority, since they do half
        of indexing's embedding, which must wait behind the window. Queries: one thread, the
        caller's, at the caller's priority: a query's few tokens gain little from a second
        thread, and a worker busy with (or starved by) indexing would hold the query up."""
        role = self._role(role)
        tokenizer = self._loaded_tokenizer()
        session = self._sessions.get(role)
        if session is None:
            session = self._new_session(role)
            self._sessions[role] = session
            self.loads += 1
            trim_c_heap()  # the parsed model file is freed by now: ~10 MB back
        self._last_used[role] = time.monotonic()
        return tokenizer, session

    def _loaded_tokenizer(self) -> Tokenizer:
        if self._tokenizer is None:
            tokenizer = Tokenizer.from_file(str(self._folder / TOKENIZER_FILE))
            # An exported tokenizer.json can carry fixed padding and short truncation: reset both.
            tokenizer.no_padding()
            tokenizer.enable_truncation(max_length=self.manifest.max_tokens)
            self._tokenizer = tokenizer
        return self._tokenizer

    def _new_session(self, role: str) -> ort.InferenceSession:
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1 if role == QUERIES else self.threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # No busy-waiting between calls: an idle app must use no CPU.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.add_session_config_entry("session.inter_op.allow_spinning", "0")
        # Memory patterns are planned per input shape and kept: queries have many shapes.
        options.enable_mem_pattern = False
        options.log_severity_level = 3
        model_path = str(self._folder / self.manifest.model_file)

        def make() -> ort.InferenceSession:
            return ort.InferenceSession(model_path, options, providers=self._providers)

        return make() if role == QUERIES else made_at_background_priority(make)

    def unload(self, idle_s: float = 0.0) -> bool:
        """Drop each session unused for ``idle_s`` seconds (~30 MB for queries; for passages
        also what indexing's batches left in its arena), and the tokenizer with the last one;
        the next call loads again (~0.1-0.3 s). True when anything was dropped."""
        now = time.monotonic()
        with self._lock:
            idle = [role for role in self._sessions if now - self._last_used[role] >= idle_s]
            for role in idle:
                del self._sessions[role]
            if not self._sessions:
                self._tokenizer = None
        if idle:
            trim_c_heap()
        return bool(idle)

    @property
    def loaded(self) -> bool:
        """Whether queries can be embedded without loading the model first."""
        return self._role(QUERIES) in self._sessions

    def warm_up(self) -> None:
        """Load the query session now if ``unload`` dropped it (the search window opening)."""
        with self._lock:
            self._loaded(QUERIES)

    @property
    def model_id(self) -> str:
        return self.manifest.model_id

    @property
    def dimension(self) -> int:
        return self.manifest.dimension

    def embed_query(self, query: str) -> Vectors:
        """One query vector (with the model's query prefix), shape (dimension,)."""
        return cast(Vectors, self._embed([self.manifest.query_prefix + query], QUERIES)[0])

    def embed_passages(
        self,
        texts: Sequence[str],
        progress: ProgressCallback | None = None,
    ) -> Vectors:
        """Passage vectors in input order, shape (len(texts), dimension)."""
        prefix = self.manifest.passage_prefix
        return self._embed([prefix + t for t in texts] if prefix else list(texts), PASSAGES, progress)

    def count_tokens(self, text: str) -> int:
        """Tokens the model would see for ``text`` (after truncation, with specials)."""
        with self._lock:
            return len(self._loaded_tokenizer().encode(text).ids)

    def _embed(self, texts: list[str], role: str, progress: ProgressCallback | None = None) -> Vectors:
        out = np.zeros((len(texts), self.manifest.dimension), dtype=np.float32)
        if not texts:
            return out
        with self._lock:
            tokenizer, session = self._loaded(role)
            encodings = tokenizer.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        done = 0
        for batch in self._batches(order, encodings):
            out[batch] = self._run(session, [encodings[i] for i in batch])
            done += len(batch)
            if progress:
                progress(Progress("embedding", done, len(texts), "passages"))
        self.texts_embedded += len(texts)
        return out

    def _batches(self, order: list[int], encodings: list[Encoding]) -> list[list[int]]:
        batches: list[list[int]] = []
        current: list[int] = []
        for index in order:  # ascending length: the last item sets the padded width
            width = len(encodings[index].ids)
            if (current and (len(current) + 1) * width > self.token_budget) or len(current) >= MAX_BATCH:
                batches.append(current)
                current = []
            current.append(index)
        if current:
            batches.append(current)
        return batches

    def release_memory(self) -> None:
        """Hand back what large batches left behind, once indexing goes idle.

        onnxruntime's arena keeps the peak of a batch's activations (~100 MB after a crawl);
        a tiny run with arena shrinkage frees it, and trimming the C heap returns it to the
        system. Queries afterwards need only a few MB.
        """
        options = ort.RunOptions()
        options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
        with self._lock:
            session = self._sessions.get(PASSAGES)  # queries' batches are a few tokens
            if self._tokenizer is None or session is None:
                return  # unloaded: nothing held
            encoding = self._tokenizer.encode("")
        self._run(session, [encoding], options)
        trim_c_heap()

    def _run(
        self,
        session: ort.InferenceSession,
        encodings: list[Encoding],
        run_options: ort.RunOptions | None = None,
    ) -> Vectors:
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            length = len(encoding.ids)
            ids[row, :length] = encoding.ids
            mask[row, :length] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        if self.io_binding_device:
            hidden = self._run_bound(session, feeds, self.io_binding_device)
        else:
            (hidden,) = session.run([self.manifest.output_name], feeds, run_options)
        hidden = np.asarray(hidden, dtype=np.float32)
        if self.manifest.pooling == "cls":
            pooled = hidden[:, 0, :]
        else:
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        if self.manifest.normalize:
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            pooled = pooled / np.maximum(norms, 1e-12)
        return np.asarray(pooled, dtype=np.float32)

    def _run_bound(
        self, session: ort.InferenceSession, feeds: dict[str, npt.NDArray[np.int64]], device: str
    ) -> Vectors:
        binding = session.io_binding()
        for name, array in feeds.items():
            binding.bind_ortvalue_input(name, ort.OrtValue.ortvalue_from_numpy(array, device, 0))
        binding.bind_output(self.manifest.output_name, "cpu")
        session.run_with_iobinding(binding)
        return cast(Vectors, binding.copy_outputs_to_cpu()[0])
