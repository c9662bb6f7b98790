"""Why files were not indexed, in kinds a person can take in at a glance.

Every reason the extractors and the pipeline store is a sentence ("password-protected PDF",
"unsupported file type (.png)", "timed out after 60 s"); ``reason_kind`` sorts it into a
short kind ("encrypted", "unsupported type", "timed out"), and ``summary`` counts the kinds,
most common first, for the end of an ``index`` run, ``status`` and the window's list.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from desktop_search.core.records import STATUS_ENCRYPTED, STATUS_INDEXED

# (kind, how its reasons start), first match wins.
_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        ("legacy format", r"unsupported \(legacy"),
        ("unsupported type", r"unsupported"),
        ("too large", r"larger than the "),
        ("binary", r"binary content"),
        ("timed out", r"timed out"),
        ("out of memory", r"out of memory|extractor killed \(out of memory"),
        ("permission denied", r"permission denied"),
        ("archive bomb", r"archive bomb"),
        ("no text layer", r"no text layer"),
        ("garbled text layer", r"garbled text layer"),
        ("partly read", r"only the first|\d+ damaged page|text cut at"),
        ("could not be processed", r"could not be "),
        ("extractor crashed", r"extractor "),
        ("unreadable", r"cannot read|file vanished"),
        ("damaged", r"corrupt|damaged|not an? |parse error|malformed"),
    )
)


def reason_kind(status: str, reason: str | None) -> str:
    """The short kind of a stored status and reason ("encrypted", "legacy format", ...)."""
    if status == STATUS_ENCRYPTED:
        return "encrypted"
    for kind, pattern in _KINDS:
        if pattern.match(reason or ""):
            return kind
    return "no text" if status == STATUS_INDEXED else "other"


def summary(problems: Iterable[tuple[str, str, str]]) -> list[tuple[str, int]]:
    """(kind, count) of (path, status, reason) rows, most common first."""
    counts = Counter(reason_kind(status, reason) for _, status, reason in problems)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def summary_text(problems: Iterable[tuple[str, str, str]]) -> str:
    """ "8 legacy format, 3 encrypted, 1 damaged" (empty when there is nothing to say)."""
    return ", ".join(f"{count:,} {kind}" for kind, count in summary(problems))
