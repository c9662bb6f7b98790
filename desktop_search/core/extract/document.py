"""What an extractor returns, and how it says a file could not be read."""

from __future__ import annotations

from dataclasses import dataclass, field

# File statuses an extractor can give (besides "indexed").
STATUS_FAILED = "failed"
STATUS_SKIPPED = "skipped"
STATUS_ENCRYPTED = "encrypted"


@dataclass(frozen=True)
class ExtractedDocument:
    """Plain text of a file, its title if it has one, and where each page starts in the text.

    ``page_starts[i]`` is the offset of page ``i + 1`` (PDF pages, slides); empty when the
    format has no pages. ``note`` says what a person should know about a partial extraction.
    """

    text: str
    title: str | None = None
    page_starts: list[int] = field(default_factory=list)
    content_hash: str = ""  # sha256 of the file's bytes, set by ``extract``
    note: str | None = None


class ExtractionError(Exception):
    """A file that could not be extracted: ``status`` is 'failed', 'skipped' or 'encrypted'."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason

    def __reduce__(self) -> tuple[type[ExtractionError], tuple[str, str]]:
        return (ExtractionError, (self.status, self.reason))
