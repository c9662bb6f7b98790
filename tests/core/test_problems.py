"""Reasons sorted into kinds a person can take in at a glance."""

from __future__ import annotations

import pytest

from desktop_search.core.extract import too_large_reason
from desktop_search.core.problems import reason_kind, summary, summary_text


@pytest.mark.parametrize(
    ("status", "reason", "kind"),
    [
        ("skipped", "unsupported (legacy format)", "legacy format"),
        ("skipped", "unsupported (legacy format under a new extension)", "legacy format"),
        ("skipped", "unsupported file type (.png)", "unsupported type"),
        ("encrypted", "password-protected PDF", "encrypted"),
        ("skipped", too_large_reason(20 * 2**20), "too large"),
        ("skipped", "binary content", "binary"),
        ("failed", "timed out after 60 s", "timed out"),
        ("failed", "extractor killed (out of memory?)", "out of memory"),
        ("failed", "extractor crashed (SIGSEGV)", "extractor crashed"),
        ("failed", "corrupt archive: File is not a zip file", "damaged"),
        ("failed", "not a readable PDF (Failed to load document)", "damaged"),
        ("failed", "parse error: ValueError: bad", "damaged"),
        ("failed", "could not be embedded: TypeError: TextEncodeInput", "could not be processed"),
        ("failed", "permission denied", "permission denied"),
        ("indexed", "no text layer (scanned pages; text recognition is not supported)", "no text layer"),
        ("indexed", "3 damaged page(s) could not be read", "partly read"),
        ("indexed", "only the first 10,000 of 12,000 pages", "partly read"),
        ("failed", "something nobody foresaw", "other"),
    ],
)
def test_each_stored_reason_has_its_kind(status: str, reason: str, kind: str) -> None:
    assert reason_kind(status, reason) == kind


def test_the_summary_counts_kinds_most_common_first() -> None:
    rows = [
        ("/a.doc", "skipped", "unsupported (legacy format)"),
        ("/b.pdf", "encrypted", "password-protected PDF"),
        ("/c.doc", "skipped", "unsupported (legacy format)"),
        ("/d.odt", "failed", "corrupt archive: bad"),
    ]
    assert summary(rows) == [("legacy format", 2), ("damaged", 1), ("encrypted", 1)]
    assert summary_text(rows) == "2 legacy format, 1 damaged, 1 encrypted"
    assert summary_text([]) == ""
