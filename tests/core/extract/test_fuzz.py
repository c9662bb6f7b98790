"""Fuzzing the extractors and page chunking: any bytes give a document or an ExtractionError.

Valid documents of each format are mutated (bytes flipped, cut, spliced) and arbitrary
bytes are fed under every extension; ``extract`` must never raise anything else, and what
it returns must be consistent (pages ascending and inside the text).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop_search.core.chunk import chunk_document
from desktop_search.core.extract import ExtractionError, extract
from tests.fixtures import documents as docs

SEEDS = {
    ".pdf": docs.pdf_bytes([["first page text"], ["second page"]], title="T"),
    ".docx": docs.docx_bytes(["a paragraph", "another"], title="T", table=[["a", "b"]]),
    ".pptx": docs.pptx_bytes([("Title", "Body", "notes")]),
    ".xlsx": docs.xlsx_bytes({"S": [["a", 1], ["b", 2]]}),
    ".odt": docs.odt_bytes(["open text"], title="T"),
    ".epub": docs.epub_bytes([("One", "chapter text")]),
    ".rtf": docs.rtf_bytes(["rich text", "caf\u00e9"]),
    ".eml": docs.eml_bytes("Subject", "Body", attachment=("a.txt", "attached")),
    ".mbox": docs.mbox_bytes([("One", "first"), ("Two", "second")]),
    ".html": b"<html><head><title>T</title></head><body><p>Hello <b>world</b></p></body></html>",
}
OWN_PARSERS = {".docx", ".pptx", ".xlsx", ".odt", ".epub", ".pdf"}
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(extension: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzzed{extension}"
        path.write_bytes(data)
        try:
            document = extract(path, 10 * 1024 * 1024)
        except ExtractionError as error:
            assert error.status in ("failed", "skipped", "encrypted") and error.reason
            if extension in OWN_PARSERS:  # our code names every malformation it meets
                assert not error.reason.startswith("parse error"), error.reason
            return
    assert isinstance(document.text, str)
    assert document.page_starts == sorted(document.page_starts)
    assert all(0 <= start <= len(document.text) for start in document.page_starts)


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    extension = draw(st.sampled_from(sorted(SEEDS)))
    data = bytearray(SEEDS[extension])
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["flip", "cut", "splice", "zero"]))
        position = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[position] ^= 1 << draw(st.integers(0, 7))
        elif kind == "cut":
            del data[position:]
        elif kind == "splice":
            data[position:position] = draw(st.binary(max_size=64))
        elif data:
            data[position : position + 16] = bytes(min(16, len(data) - position))
    return extension, bytes(data)


@FUZZ
@given(mutated())
def test_mutated_documents_never_escape_as_anything_but_extraction_errors(case: tuple[str, bytes]) -> None:
    _check(*case)


@FUZZ
@given(st.sampled_from([*sorted(SEEDS), ".txt", ".md", ".ods", ".odp", ".doc"]), st.binary(max_size=4096))
def test_arbitrary_bytes_under_any_extension(extension: str, data: bytes) -> None:
    _check(extension, data)


@given(st.lists(st.text(max_size=1500), min_size=1, max_size=6))
def test_page_chunks_are_exact_slices_inside_their_page(pages: list[str]) -> None:
    text = "\n\n".join(pages)
    starts, position = [], 0
    for page in pages:
        starts.append(position)
        position += len(page) + 2
    for chunk in chunk_document(text, starts):
        assert chunk.page is not None and 1 <= chunk.page <= len(pages)
        page_start = starts[chunk.page - 1]
        assert page_start <= chunk.start <= chunk.end <= page_start + len(pages[chunk.page - 1])
        assert text[chunk.start : chunk.end] == chunk.text
        assert chunk.line == 1 + text.count("\n", 0, chunk.start)
