"""ZIP-based documents read without trusting them: bombs refused before or while inflating,
damaged archives and members named in the reason, encrypted members refused."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from desktop_search.core.extract import ExtractionError
from desktop_search.core.extract.safezip import ArchiveLimits, SafeZip
from tests.conftest import realdoc
from tests.core.extract.written import refused_written
from tests.fixtures import documents as docs


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def _refused(make) -> ExtractionError:
    with pytest.raises(ExtractionError) as caught:
        make()
    return caught.value


@pytest.mark.parametrize(
    ("name", "make", "status", "reason"),
    [
        ("bomb.docx", lambda: docs.zip_bomb("word/document.xml", 600), "failed", "archive bomb"),
        ("ratio.docx", lambda: docs.zip_bomb("word/document.xml", 20), "failed", "inflates"),
        ("many.epub", lambda: docs.many_members(20_001), "failed", "20,001 members"),
        ("truncated.docx", lambda: docs.docx_bytes(["x" * 5000])[:2000], "failed", "corrupt archive"),
    ],
)
def test_broken_encrypted_and_hostile_files_get_a_status_and_reason(
    tmp_path: Path, name: str, make, status: str, reason: str
) -> None:
    error = refused_written(tmp_path, name, make())
    assert error.status == status and reason in error.reason


def test_a_lying_zip_header_is_caught_while_inflating(tmp_path: Path) -> None:
    """The directory says 1 KB, the member inflates to 200 MB: stopped at the member cap."""
    data = bytearray(docs.zip_bomb("word/document.xml", 200))
    patched = docs.lie_about_sizes(bytes(data), 1024)
    error = refused_written(tmp_path, "liar.docx", patched)
    assert error.status == "failed" and ("archive bomb" in error.reason or "corrupt" in error.reason)


def test_members_are_listed_and_read_as_written() -> None:
    archive = SafeZip(_zip({"mimetype": b"application/epub+zip", "OPS/a.xhtml": b"<p>one</p>" * 500}))
    assert archive.names() == ["mimetype", "OPS/a.xhtml"]
    assert archive.has("OPS/a.xhtml") and not archive.has("OPS/b.xhtml") and not archive.has("OPS")
    assert archive.read("mimetype") == b"application/epub+zip"
    assert archive.read("OPS/a.xhtml") == b"<p>one</p>" * 500


def test_a_missing_member_is_a_corrupt_document() -> None:
    error = _refused(lambda: SafeZip(_zip({"a.xml": b"<a/>"})).read("word/document.xml"))
    assert (error.status, error.reason) == ("failed", "corrupt document: word/document.xml is missing")


def test_an_encrypted_member_is_refused_unread() -> None:
    data = bytearray(_zip({"content.xml": b"<secret/>", "meta.xml": b"<m/>"}))
    for signature, flags in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # local and central headers
        data[data.find(signature) + flags] |= 0x1  # the "encrypted" bit of the first member
    archive = SafeZip(bytes(data))
    assert archive.is_encrypted("content.xml") and not archive.is_encrypted("meta.xml")
    error = _refused(lambda: archive.read("content.xml"))
    assert (error.status, error.reason) == ("encrypted", "content.xml is encrypted")
    assert archive.read("meta.xml") == b"<m/>"


def test_what_the_directory_declares_is_checked_before_anything_is_inflated() -> None:
    members = {f"part{i}.xml": b"x" * 1000 for i in range(3)}
    error = _refused(lambda: SafeZip(_zip(members), ArchiveLimits(max_members=2)))
    assert (error.status, error.reason) == ("failed", "archive bomb: 3 members")
    assert SafeZip(_zip(members), ArchiveLimits(max_members=3)).names() == list(members)
    error = _refused(lambda: SafeZip(_zip(members), ArchiveLimits(max_total_bytes=2999)))
    assert error.reason.startswith("archive bomb: ") and error.reason.endswith(" MB uncompressed")
    assert SafeZip(_zip(members), ArchiveLimits(max_total_bytes=3000)).names() == list(members)


def test_the_ratio_cap_spares_small_members_and_well_compressed_text() -> None:
    zeros = {"zeros.bin": bytes(200_000)}  # compresses about 1000x
    error = _refused(lambda: SafeZip(_zip(zeros), ArchiveLimits(ratio_floor=100_000)))
    assert error.reason.startswith("archive bomb: zeros.bin inflates ") and error.reason.endswith("x")
    assert SafeZip(_zip(zeros), ArchiveLimits(ratio_floor=200_000)).has("zeros.bin")  # small: allowed
    assert SafeZip(_zip(zeros, zipfile.ZIP_STORED), ArchiveLimits(ratio_floor=100_000)).has("zeros.bin")


def test_the_inflated_bytes_are_counted_as_they_are_read() -> None:
    part = {"word/document.xml": b"<w:t>words</w:t>" * 1000}  # 16,000 bytes
    error = _refused(
        lambda: SafeZip(_zip(part), ArchiveLimits(max_member_bytes=10_000)).read("word/document.xml")
    )
    assert (error.status, error.reason) == (
        "failed",
        "archive bomb: word/document.xml inflates past its limit",
    )
    # Every read counts toward the total: a part read again and again cannot multiply the cap.
    archive = SafeZip(_zip(part), ArchiveLimits(max_total_bytes=40_000))
    archive.read("word/document.xml")
    archive.read("word/document.xml")
    assert "inflates past its limit" in _refused(lambda: archive.read("word/document.xml")).reason


def test_a_damaged_archive_is_corrupt(tmp_path: Path) -> None:
    data = realdoc("testZIP_corrupted_oom.zip", tmp_path).read_bytes()
    error = _refused(lambda: SafeZip(data))
    assert error.status == "failed" and error.reason.startswith("corrupt archive: ")
    assert _refused(lambda: SafeZip(b"PK\x03\x04 not really a zip")).reason.startswith("corrupt archive: ")


def test_a_member_whose_header_is_not_where_the_directory_says_is_named(tmp_path: Path) -> None:
    # Its directory's offsets are off by 32 bytes for all but the last member.
    archive = SafeZip(realdoc("testZip_with_DataDescriptor.zip", tmp_path).read_bytes())
    assert archive.names() == ["en0", "en1", "en2", "en3", "en4"]
    error = _refused(lambda: archive.read("en0"))
    assert error.status == "failed" and error.reason.startswith("corrupt archive member en0: ")
    assert archive.read("en4") == b"\x01\x02\x03\x04"


def test_members_of_a_real_archive_come_back_byte_for_byte(tmp_path: Path) -> None:
    archive = SafeZip(realdoc("testZipEntryNameCharsetShiftSJIS.zip", tmp_path).read_bytes())
    contents = sorted(archive.read(name).decode("shift_jis") for name in archive.names())
    assert contents == ["あいうえお\r\nかきくけこ\r\n", "さしすせそ\r\nたちつてと\r\n"]
