"""``desktop-search --self-test``: index a temporary folder and search it, as an installer's
smoke test or a user's first check that the app works on this machine.

Uses the models the app would use (shipped with it, or in the data dir), a temporary data
dir for the index, and touches no folder or index of the user's. Exit code 0 when the
expected file comes first.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from desktop_search.core.paths import AppPaths

log = logging.getLogger(__name__)

DOCUMENTS = {
    "banana-bread.txt": "Banana bread: mash three ripe bananas, stir in sugar, an egg and flour,"
    " then bake for an hour until a skewer comes out clean.",
    "tax-return.md": "# Tax return\nThe deadline for the income tax return is the end of May;"
    " keep the receipts for deductions.",
    "garden.html": "<html><title>Garden</title><body>Water the roses in the evening and prune"
    " them in late winter.</body></html>",
}
QUERY = "how long should the cake with bananas bake"
EXPECTED = "banana-bread.txt"


def run_self_test(paths: AppPaths, say: Callable[[str], None] = print) -> int:
    """Index ``DOCUMENTS`` in a temporary folder and search them; 0 when ``EXPECTED`` is first."""
    from desktop_search.core.engine import Engine  # the model stack loads here, timed below

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="desktop-search-self-test-") as temp:
        folder = Path(temp) / "documents"
        folder.mkdir()
        for name, text in DOCUMENTS.items():
            (folder / name).write_text(text, encoding="utf-8")
        scratch = AppPaths(Path(temp) / "data")
        scratch.data_dir.mkdir()
        if paths.models_dir.is_dir():  # the user's models, read where they are
            with contextlib.suppress(OSError):  # no symlinks (Windows without rights): shipped models only
                os.symlink(paths.models_dir, scratch.models_dir, target_is_directory=True)
        with Engine.open_profile(scratch) as engine:
            report = engine.index(engine.add_roots([folder]))
            indexed = time.perf_counter()
            response = engine.search(QUERY)
            searched = time.perf_counter()
            model = engine.search_model()
            provider = engine.searcher().embedder.provider
        top = Path(response.results[0].path).name if response.results else None
    ok = top == EXPECTED and report.files_indexed == len(DOCUMENTS)
    say(f"model: {model.manifest.name} ({model.manifest.variant}, {model.origin}) on {provider.active}")
    say(f"indexed {report.files_indexed} of {len(DOCUMENTS)} files in {indexed - started:.2f} s")
    say(f"search: {QUERY!r} -> {top} in {(searched - indexed) * 1000:.0f} ms")
    say("self-test passed" if ok else f"self-test FAILED: expected {EXPECTED} first")
    return 0 if ok else 1
