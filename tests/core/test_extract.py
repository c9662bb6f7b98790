"""The extraction dispatcher: which files are supported, how a file is read (size limit,
unreadable, vanished), what every extractor's result goes through (cleaning, the content
hash, errors with a status and a reason) and how files inside files are read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from desktop_search.core.extract import (
    MAX_NESTING,
    ExtractedDocument,
    ExtractionError,
    extract,
    extract_embedded,
    extractor_for,
    is_supported,
    is_too_large,
    register_extractor,
    too_large_reason,
)
from tests.fixtures import documents as docs

LIMIT = 1_000_000


def test_offsets_refer_to_the_file_text(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"line one\r\nline two\r\n")
    assert extract(path, LIMIT).text == "line one\r\nline two\r\n"  # line endings kept


def test_supported_types() -> None:
    for name in (
        "a.py",
        "b.MD",
        "c.json",
        "d.csv",
        "README",
        "Makefile",
        "e.html",
        "f.tex",
        "g.yaml",
    ):
        assert is_supported(Path(name)), name
    for name in ("photo.jpg", "archive.zip", "program.exe", "noextension"):
        assert not is_supported(Path(name)), name


def test_unsupported_too_large_and_binary_are_skipped_with_reasons(tmp_path: Path) -> None:
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    (tmp_path / "big.txt").write_text("x" * 2000)
    (tmp_path / "fake.txt").write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(ExtractionError) as unsupported:
        extract(tmp_path / "photo.jpg", LIMIT)
    with pytest.raises(ExtractionError) as large:
        extract(tmp_path / "big.txt", 1000)
    with pytest.raises(ExtractionError) as binary:
        extract(tmp_path / "fake.txt", LIMIT)
    assert (unsupported.value.status, unsupported.value.reason) == (
        "skipped",
        "unsupported file type (.jpg)",
    )
    assert large.value.status == "skipped" and "limit" in large.value.reason
    assert (binary.value.status, binary.value.reason) == ("skipped", "binary content")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads everything")
def test_unreadable_file_fails_with_reason(tmp_path: Path) -> None:
    path = tmp_path / "secret.txt"
    path.write_text("hidden")
    path.chmod(0)
    with pytest.raises(ExtractionError) as error:
        extract(path, LIMIT)
    assert (error.value.status, error.value.reason) == ("failed", "permission denied")


def test_vanished_file_fails_with_reason(tmp_path: Path) -> None:
    with pytest.raises(ExtractionError) as error:
        extract(tmp_path / "gone.txt", LIMIT)
    assert (error.value.status, error.value.reason) == ("failed", "file vanished while indexing")


def test_content_hash_is_of_the_bytes(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("same")
    (tmp_path / "b.md").write_text("same")
    (tmp_path / "c.txt").write_text("different")
    hashes = [extract(tmp_path / n, LIMIT).content_hash for n in ("a.txt", "b.md", "c.txt")]
    assert hashes[0] == hashes[1] != hashes[2] and len(hashes[0]) == 64


# Extractors registered below use extensions no real file has: the registry is global (it is
# how plugins add formats), so they stay registered for the rest of the session.


def _crash_with(exception: BaseException):
    def extractor(data: bytes, name: str) -> ExtractedDocument:
        raise exception

    return extractor


def test_a_file_of_exactly_the_limit_is_read_and_one_byte_more_is_not(tmp_path: Path) -> None:
    path = tmp_path / "edge.txt"
    path.write_text("y" * 1000)
    assert extract(path, 1000).text == "y" * 1000
    with pytest.raises(ExtractionError) as large:
        extract(path, 999)
    assert (large.value.status, large.value.reason) == ("skipped", too_large_reason(999))


def test_the_too_large_reason_is_in_the_settings_unit_and_recognised() -> None:
    assert too_large_reason(50 * 2**20) == "larger than the 50 MB limit"
    assert too_large_reason(2**19) == "larger than the 0.5 MB limit"
    assert is_too_large(too_large_reason(2**30))
    assert not is_too_large("binary content") and not is_too_large(None) and not is_too_large("")


def test_extensions_and_well_known_names_pick_the_extractor_whatever_their_case() -> None:
    assert extractor_for(Path("REPORT.PDF")) is extractor_for(Path("report.pdf")) is not None
    assert extractor_for(Path("Dockerfile")) is extractor_for(Path("notes.txt"))
    assert extractor_for(Path("LICENSE")) is extractor_for(Path("notes.txt"))
    assert extractor_for(Path("Dockerfile.bak")) is None  # the name, not a prefix of it
    assert extractor_for(Path("x.docx")) is not extractor_for(Path("x.pdf"))


def test_a_registered_extractor_is_used_and_its_text_is_cleaned(tmp_path: Path) -> None:
    seen: list[tuple[bytes, str]] = []

    def shout(data: bytes, name: str) -> ExtractedDocument:
        seen.append((data, name))
        return ExtractedDocument(data.decode().upper() + "\x00\ud800", "T\x07itle", [0])

    register_extractor([".Dispatch-Shout"], shout)  # stored in lower case
    path = docs.write(tmp_path, "loud.dispatch-shout", b"quiet words")
    document = extract(path, LIMIT)
    assert seen == [(b"quiet words", "loud.dispatch-shout")]
    assert document.text == "QUIET WORDS\ufffd" and document.title == "Title" and document.page_starts == [0]
    assert is_supported(Path("LOUD.DISPATCH-SHOUT"))


@pytest.mark.parametrize(
    ("extension", "exception", "reason"),
    [
        (".dispatch-value", ValueError("bad offset"), "parse error: ValueError: bad offset"),
        (".dispatch-deep", RecursionError("too deep"), "parse error: nested too deeply"),
        (".dispatch-memory", MemoryError(), "out of memory while extracting"),
        (".dispatch-refuse", ExtractionError("encrypted", "locked by its maker"), "locked by its maker"),
    ],
)
def test_whatever_an_extractor_raises_becomes_an_extraction_error(
    tmp_path: Path, extension: str, exception: BaseException, reason: str
) -> None:
    register_extractor([extension], _crash_with(exception))
    with pytest.raises(ExtractionError) as caught:
        extract(docs.write(tmp_path, f"file{extension}", b"data"), LIMIT)
    expected_status = "encrypted" if isinstance(exception, ExtractionError) else "failed"
    assert (caught.value.status, caught.value.reason) == (expected_status, reason)


def test_an_embedded_file_is_read_by_the_extractor_of_its_name_and_cleaned() -> None:
    document = extract_embedded(docs.docx_bytes(["Minutes of the board."], title="Board"), "minutes.docx")
    assert document.text.strip() == "Minutes of the board." and document.title == "Board"
    assert document.content_hash == ""  # only a file read from disk gets one
    assert extract_embedded("cre\u0300me bru\u0302le\u0301e\x07".encode(), "menu.txt").text == "crème brûlée"


def test_an_embedded_file_of_an_unknown_type_or_broken_is_an_extraction_error() -> None:
    with pytest.raises(ExtractionError) as unsupported:
        extract_embedded(b"\0", "photo.heic")
    assert (unsupported.value.status, unsupported.value.reason) == (
        "skipped",
        "unsupported file type (.heic)",
    )
    with pytest.raises(ExtractionError) as no_extension:
        extract_embedded(b"\0", "attachment")
    assert no_extension.value.reason == "unsupported file type (no extension)"
    with pytest.raises(ExtractionError) as broken:
        extract_embedded(b"not a pdf", "scan.pdf")
    assert broken.value.status == "failed" and "not a readable PDF" in broken.value.reason


def test_files_inside_files_are_read_at_most_max_nesting_levels_deep(tmp_path: Path) -> None:
    depths: list[int] = []

    def russian_doll(data: bytes, name: str) -> ExtractedDocument:
        """Holds another of itself; says how deep the innermost readable one was."""
        depths.append(len(depths))
        try:
            inner = extract_embedded(data, name).text
        except ExtractionError as error:
            inner = f"[{error.reason}]"
        return ExtractedDocument(f"level {len(depths)} > {inner}")

    register_extractor([".dispatch-doll"], russian_doll)
    document = extract(docs.write(tmp_path, "outer.dispatch-doll", b"doll"), LIMIT)
    assert len(depths) == MAX_NESTING + 1  # the file itself, then MAX_NESTING embedded levels
    assert document.text.endswith(f"[nested more than {MAX_NESTING} levels deep]")
    depths.clear()  # the depth is per read: a second file starts from the top again
    extract(docs.write(tmp_path, "again.dispatch-doll", b"doll"), LIMIT)
    assert len(depths) == MAX_NESTING + 1
