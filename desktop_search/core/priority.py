"""Background work behind the user's: lower priorities for the process and single threads."""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
BACKGROUND_NICE_STEP = 10
_process_lowered = False  # the whole process is background work (``desktop-search watch``)


def lower_process_priority() -> None:
    """Indexing is background work: let the user's programs go first (best effort)."""
    try:
        if sys.platform == "win32":
            import ctypes

            below_normal = 0x4000
            ctypes.windll.kernel32.SetPriorityClass(ctypes.windll.kernel32.GetCurrentProcess(), below_normal)
        else:
            os.nice(BACKGROUND_NICE_STEP)
        global _process_lowered
        _process_lowered = True
    except (OSError, AttributeError) as exc:
        log.debug("Could not lower the process priority: %s", exc)


def background_nice() -> int:
    """The nice value of background threads: the process's (its main thread's) + 10, or the
    process's own once ``lower_process_priority`` has put all of it in the background."""
    process = os.getpriority(os.PRIO_PROCESS, os.getpid())
    return process if _process_lowered else min(process + BACKGROUND_NICE_STEP, 19)


def lower_thread_priority() -> None:
    """Put the calling thread, and what it starts from now on (extractor processes, threads),
    behind the user's work: the process's nice + 10. Linux gives each thread its own nice
    value, and Qt's thread priorities do nothing there for ordinary threads, so the app's
    indexing thread competed with its own window for the CPU. Elsewhere Qt's
    ``LowPriority`` covers the thread. A thread already that low stays where it is (a
    background thread starting helpers must not push them lower still)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        thread = threading.get_native_id()
        target = background_nice()
        if os.getpriority(os.PRIO_PROCESS, thread) < target:
            os.setpriority(os.PRIO_PROCESS, thread, target)
    except OSError as exc:
        log.debug("Could not lower the thread's priority: %s", exc)


def made_at_background_priority(make: Callable[[], T]) -> T:
    """``make()``, run on a short-lived thread at background priority (Linux), so that the
    threads it starts inherit that priority; the caller's own priority is untouched.
    Exceptions reach the caller."""
    if not sys.platform.startswith("linux"):
        return make()

    def lowered() -> T:
        lower_thread_priority()
        return make()

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="background-priority") as pool:
        return pool.submit(lowered).result()
