"""What an extractor returns, and the error that says why a file could not be read: both
cross from the worker processes to the app, so they must survive pickling whole."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from desktop_search.core.extract.document import (
    STATUS_ENCRYPTED,
    STATUS_FAILED,
    STATUS_SKIPPED,
    ExtractedDocument,
    ExtractionError,
)


def test_a_document_without_pages_title_hash_or_note() -> None:
    document = ExtractedDocument("just text")
    assert (document.text, document.title, document.page_starts, document.content_hash, document.note) == (
        "just text",
        None,
        [],
        "",
        None,
    )


def test_documents_are_frozen_and_do_not_share_their_page_lists() -> None:
    first, second = ExtractedDocument("a"), ExtractedDocument("b")
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.text = "changed"  # type: ignore[misc]
    first.page_starts.append(3)
    assert second.page_starts == []


def test_a_document_survives_pickling() -> None:
    document = ExtractedDocument("page one\n\npage two", "Report", [0, 10], "ab" * 32, "text cut")
    assert pickle.loads(pickle.dumps(document)) == document


def test_an_error_carries_its_status_and_reason() -> None:
    error = ExtractionError(STATUS_ENCRYPTED, "password-protected PDF")
    assert (error.status, error.reason, str(error)) == (
        "encrypted",
        "password-protected PDF",
        "password-protected PDF",
    )
    assert (STATUS_FAILED, STATUS_SKIPPED) == ("failed", "skipped")


@pytest.mark.parametrize("status", [STATUS_FAILED, STATUS_SKIPPED, STATUS_ENCRYPTED])
def test_an_error_survives_pickling_with_its_status(status: str) -> None:
    # A worker sends the error through a pipe; without __reduce__ it would not unpickle at all
    # (Exception pickles its args, the reason alone, and the constructor wants two).
    copy = pickle.loads(pickle.dumps(ExtractionError(status, "why it failed")))
    assert isinstance(copy, ExtractionError)
    assert (copy.status, copy.reason, str(copy)) == (status, "why it failed", "why it failed")
