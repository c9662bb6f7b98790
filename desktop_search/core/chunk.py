"""Split extracted text into overlapping passages that keep their exact place in the text.

Every chunk is ``text[start:end]`` of the extracted text, so the UI can highlight and jump
to it. Cuts prefer a paragraph break, then a line break, then a sentence end, then a space.
Sizes are in characters: ~900 characters is ~200-250 tokens of English prose.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

TARGET_CHARS = 900
OVERLAP_CHARS = 150
_BREAKS = (
    re.compile(r"\n\s*\n"),
    re.compile(r"\n"),
    re.compile(r"[.!?][\"')\]]?\s"),
    re.compile(r"\s"),
)


@dataclass(frozen=True)
class Chunk:
    """A passage: its text, its [start, end) character offsets and 1-based first line."""

    text: str
    start: int
    end: int
    line: int
    page: int | None = None

    @property
    def content_hash(self) -> str:
        return content_hash(self.text)


def content_hash(text: str) -> str:
    """Stable identity of a passage's text, used to reuse vectors of unchanged chunks."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _cut_point(text: str, start: int, limit: int, target: int) -> int:
    """Best place to end a chunk that starts at ``start``, no later than ``limit``."""
    if limit >= len(text):
        return len(text)
    earliest = start + target // 2
    window = text[earliest:limit]
    for pattern in _BREAKS:
        last = None
        for last in pattern.finditer(window):  # noqa: B007  (we want the final match)
            pass
        if last is not None:
            return earliest + last.end()
    return limit


def _skip_space(text: str, position: int, end: int) -> int:
    while position < end and text[position].isspace():
        position += 1
    return position


def chunk_text(
    text: str, target_chars: int = TARGET_CHARS, overlap_chars: int = OVERLAP_CHARS
) -> list[Chunk]:
    """Chunks covering all non-blank text, each overlapping the previous by ~``overlap_chars``."""
    if target_chars <= 0 or not 0 <= overlap_chars < target_chars:
        raise ValueError("need target_chars > 0 and 0 <= overlap_chars < target_chars")
    chunks: list[Chunk] = []
    length = len(text)
    start = _skip_space(text, 0, length)
    line = 1 + text.count("\n", 0, start)
    line_at = start
    while start < length:
        end = _cut_point(text, start, min(start + target_chars, length), target_chars)
        stripped_end = end
        while stripped_end > start and text[stripped_end - 1].isspace():
            stripped_end -= 1
        line += text.count("\n", line_at, start)
        line_at = start
        chunks.append(Chunk(text[start:stripped_end], start, stripped_end, line))
        if end >= length:
            break
        # Step back for overlap, then forward to the next word so no chunk starts mid-word.
        next_start = max(end - overlap_chars, start + 1)
        while next_start < end and not text[next_start - 1].isspace():
            next_start += 1
        start = _skip_space(text, next_start, length)
    return chunks


def chunk_document(text: str, page_starts: list[int] | None = None) -> list[Chunk]:
    """Chunks of a document; with page starts, chunks never cross a page and carry its number."""
    if not page_starts:
        return chunk_text(text)
    chunks: list[Chunk] = []
    bounds = [*page_starts[1:], len(text)]
    for number, (start, end) in enumerate(zip(page_starts, bounds, strict=True), start=1):
        first_line = 1 + text.count("\n", 0, start)
        for chunk in chunk_text(text[start:end]):
            chunks.append(
                Chunk(chunk.text, start + chunk.start, start + chunk.end, first_line + chunk.line - 1, number)
            )
    return chunks
