"""Scratch folders for benchmark runs: removed when the run ends, unless asked to keep them.

Several benchmarks build hundreds of MB (a 100k-chunk profile is ~700 MB); left behind in the
temp folder, a few dozen runs fill a disk. ``DS_BENCH_KEEP=1`` keeps them (the path is logged,
e.g. for ``--reuse``).
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
from pathlib import Path

log = logging.getLogger("bench.scratch")

_made: list[Path] = []


def scratch_dir(prefix: str) -> Path:
    """A new empty temp folder, removed at interpreter exit or by :func:`remove_scratch_dirs`."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    _made.append(path)
    return path


def remove_scratch_dirs() -> None:
    """Remove the folders made so far (call before ``os._exit``, which skips atexit)."""
    keep = os.environ.get("DS_BENCH_KEEP") == "1"
    while _made:
        path = _made.pop()
        if keep:
            log.info("kept %s (DS_BENCH_KEEP=1)", path)
        else:
            shutil.rmtree(path, ignore_errors=True)


atexit.register(remove_scratch_dirs)
