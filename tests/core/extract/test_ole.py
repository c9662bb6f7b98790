"""Legacy Word 97-2003 (.doc) and Outlook (.msg) files, read from real files of Apache Tika's
test collection through ``extract`` (so the registration is covered too).

What each file holds was checked outside this code (antiword, ``strings``, olefile's own
stream listing): the phrases asserted are the files' own. Files are altered in place with
olefile (same-size stream writes) for the encrypted, Word 95, corrupt and HTML-only cases.
"""

from __future__ import annotations

import email
import email.utils
import struct
from pathlib import Path

import olefile
import pytest

from desktop_search.core.extract import ExtractedDocument, ExtractionError, extract
from tests.conftest import realdoc
from tests.core.extract.written import refused_written
from tests.fixtures import documents as docs

LIMIT = 50 * 1024 * 1024


def _read(path: Path) -> ExtractedDocument:
    return extract(path, LIMIT)


def _refused(path: Path) -> ExtractionError:
    with pytest.raises(ExtractionError) as caught:
        _read(path)
    return caught.value


def _rewrite(path: Path, stream: str, change) -> None:
    """Replace one stream of an OLE file by ``change(old bytes)`` (same length)."""
    path.chmod(0o644)
    with olefile.OleFileIO(str(path), write_mode=True) as ole:
        old = ole.openstream(stream).read()
        new = change(old)
        assert len(new) == len(old)
        ole.write_stream(stream, new)


def _patched(data: bytes, offset: int, fmt: str, value: int) -> bytes:
    out = bytearray(data)
    struct.pack_into(fmt, out, offset, value)
    return bytes(out)


# --- Word ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "present", "absent"),
    [
        (
            "testWORD_3imgs.doc",
            ["The quick brown fox jumps over the lazy dog", "The Alfresco logo is above this", "The end!"],
            [],
        ),
        (
            "testWORD_boldHyperlink.doc",
            ["This is a bold hyper  link; bold, I say."],
            ["HYPERLINK", "tika.apache.org"],
        ),
        (
            "testWORD_italicsSurroundingHyperlink.doc",
            ["Italic Test before link hyperlink italics Italic text after hyperlink"],
            ["HYPERLINK", "www.google.com"],
        ),
        # The text is in the header story: the field results are kept, not the instructions.
        (
            "testWORD_header_hyperlink.doc",
            ["ab@example.com", "http://tw-systemhaus.de"],
            ["HYPERLINK", "mailto:"],
        ),
        # Stream names in upper case (WORDDOCUMENT, 1TABLE), which antiword cannot read.
        ("simple_upper_case.doc", ["This is a sample Word document"], []),
        # A linked PowerPoint slide and an embedded object: only field instructions and pictures.
        ("testDocumentLink.doc", [], ["LINK", "PowerPoint.Slide", "Query_Studio"]),
        ("testLargeOLEDoc.doc", [], ["EMBED"]),
    ],
)
def test_word_documents_give_their_text_without_field_codes(
    tmp_path: Path, name: str, present: list[str], absent: list[str]
) -> None:
    document = _read(realdoc(name, tmp_path))
    for phrase in present:
        assert phrase in document.text
    for phrase in absent:
        assert phrase not in document.text
    assert not any(c in document.text for c in "\x07\x13\x14\x15\r")


def test_word_title_comes_from_the_summary_information(tmp_path: Path) -> None:
    path = realdoc("testWORD_3imgs.doc", tmp_path)
    with olefile.OleFileIO(str(path)) as ole:
        expected = ole.get_metadata().title.decode("cp1252")
    assert expected and _read(path).title == expected


def test_an_empty_word_document_is_read_as_empty(tmp_path: Path) -> None:
    document = _read(realdoc("testWORD_multi_authors.doc", tmp_path))
    assert document.text == ""


def test_word_templates_are_read_like_documents(tmp_path: Path) -> None:
    path = realdoc("testWORD_3imgs.doc", tmp_path)
    template = path.rename(path.with_suffix(".dot"))
    assert "The Alfresco logo is above this" in _read(template).text


def test_an_encrypted_word_file_says_so(tmp_path: Path) -> None:
    path = realdoc("testWORD_boldHyperlink.doc", tmp_path)
    _rewrite(
        path,
        "WordDocument",
        lambda fib: _patched(fib, 0x0A, "<H", struct.unpack_from("<H", fib, 0x0A)[0] | 0x0100),
    )
    error = _refused(path)
    assert error.status == "encrypted" and error.reason == "password-protected Word file"


def test_a_word_95_file_is_refused_as_legacy(tmp_path: Path) -> None:
    path = realdoc("testWORD_boldHyperlink.doc", tmp_path)
    _rewrite(path, "WordDocument", lambda fib: _patched(fib, 2, "<H", 104))  # nFib of Word 95
    error = _refused(path)
    assert error.status == "skipped" and "Word 6/95" in error.reason


def _cut(path: Path, parts: int) -> Path:
    """The file truncated to its first 1/``parts`` (a download or a copy that stopped)."""
    data = path.read_bytes()
    path.chmod(0o644)
    path.write_bytes(data[: len(data) // parts])
    return path


def test_a_truncated_word_file_is_corrupt(tmp_path: Path) -> None:
    error = _refused(_cut(realdoc("testWORD_3imgs.doc", tmp_path), 2))
    assert error.status == "failed" and error.reason.startswith("corrupt document: ")


def test_a_piece_table_pointing_outside_its_stream_is_corrupt(tmp_path: Path) -> None:
    path = realdoc("testWORD_boldHyperlink.doc", tmp_path)
    _rewrite(path, "WordDocument", lambda fib: _patched(fib, 0x01A2, "<I", 0x7FFF0000))  # fcClx
    error = _refused(path)
    assert error.status == "failed" and "piece table" in error.reason


def test_legacy_name_on_a_new_format_is_still_read(tmp_path: Path) -> None:
    """Only the bytes decide: an OOXML file renamed .doc is refused as legacy, not crashed on."""
    error = refused_written(tmp_path, "renamed.doc", docs.docx_bytes(["modern"]))
    assert error.status == "skipped"


@pytest.mark.parametrize(
    ("name", "make", "status", "reason"),
    [
        ("old.doc", lambda: docs.OLE_MAGIC + b"\0" * 1024, "failed", "corrupt document"),
    ],
)
def test_broken_encrypted_and_hostile_files_get_a_status_and_reason(
    tmp_path: Path, name: str, make, status: str, reason: str
) -> None:
    error = refused_written(tmp_path, name, make())
    assert error.status == status and reason in error.reason


def test_other_files_under_the_doc_extension(tmp_path: Path) -> None:
    """An .msg renamed .doc is OLE but no Word file; plain text is no OLE file at all."""
    msg = realdoc("testMSG_StickyNote.msg", tmp_path)
    assert _refused(msg.rename(tmp_path / "note.doc")).status == "skipped"
    (tmp_path / "plain.doc").write_text("just some text")
    error = _refused(tmp_path / "plain.doc")
    assert error.status == "failed" and "no OLE2 header" in error.reason


# --- Outlook ---------------------------------------------------------------------------


def test_outlook_message_headers_body_and_attachment_names(tmp_path: Path) -> None:
    document = _read(realdoc("test-outlook2003.msg", tmp_path))
    assert document.title == "Welcome to Microsoft Office Outlook 2003"
    assert "Subject: Welcome to Microsoft Office Outlook 2003" in document.text
    assert "Microsoft Outlook 2003 Team" in document.text and "olteam@microsoft.com" in document.text
    assert "To: New Outlook User" in document.text
    assert "Thank you for using Microsoft® Office Outlook® 2003!" in document.text
    assert "Attachment: 1.jpg" in document.text and "Attachment: 12.jpg" in document.text
    assert "JFIF" not in document.text  # images are listed, not read


def test_the_date_is_the_time_the_message_was_sent(tmp_path: Path) -> None:
    path = realdoc("testMSG_att_msg.msg", tmp_path)
    with olefile.OleFileIO(str(path)) as ole:  # the transport headers the server recorded
        headers = email.message_from_string(ole.openstream("__substg1.0_007D001F").read().decode("utf-16-le"))
    lines = dict(line.split(": ", 1) for line in _read(path).text.split("\n\n")[0].splitlines())
    assert email.utils.parsedate_to_datetime(lines["Date"]) == email.utils.parsedate_to_datetime(
        headers["Date"]
    )
    assert lines["Subject"] == headers["Subject"]
    assert "nick.booth@pof.com.au" in lines["To"]


def test_an_attached_message_is_read_one_level_deep(tmp_path: Path) -> None:
    document = _read(realdoc("testMSG_att_msg.msg", tmp_path))
    assert document.title == "test email"
    assert "Test email with 1 msg attachment, 1 pdf" in document.text
    attached = document.text.split("Attachment: Test Attachment", 1)[1]
    assert "Subject: Test Attachment" in attached and "Blah blah blah" in attached
    pdf = document.text.split("Attachment: smbprn.00009008.KdcPjl.pdf", 1)[1]
    assert "Sent: Friday, 18 June 2010" in pdf  # the PDF is read, as an .eml's would be
    assert "%PDF" not in document.text


def test_eight_bit_strings_use_the_message_code_page(tmp_path: Path) -> None:
    """Big5 strings (PR_INTERNET_CPID 950, no PR_MESSAGE_CODEPAGE)."""
    document = _read(realdoc("testMSG_chinese.msg", tmp_path))
    assert document.title == "Alfresco MSG format testing ( MSG 格式測試 )"
    assert "中文測試" in document.text and "Search word testing by Lydia" in document.text
    assert "tests.chang@fengttt.com" in document.text


def test_without_a_plain_body_the_html_body_is_read(tmp_path: Path) -> None:
    path = realdoc("testMSG_chinese.msg", tmp_path)
    _rewrite(path, "__substg1.0_1000001E", lambda body: bytes(len(body)))  # plain body gone
    document = _read(path)
    assert "中文測試" in document.text and "恭喜 HQ 保全課 陳奎良" in document.text
    assert "<HTML>" not in document.text.upper() and "charset" not in document.text


def test_text_attachments_are_read(tmp_path: Path) -> None:
    path = realdoc("test-outlook2003.msg", tmp_path)
    folder = "__attach_version1.0_#00000000/"
    for prop in ("3001001F", "3707001F", "3713001F"):  # "1.jpg" -> "1.txt", same length
        _rewrite(path, folder + "__substg1.0_" + prop, lambda _: "1.txt".encode("utf-16-le"))
    note = b"Minutes of the garden committee: plant more tulips."
    _rewrite(path, folder + "__substg1.0_37010102", lambda old: note + b" " * (len(old) - len(note)))
    document = _read(path)
    assert f"Attachment: 1.txt\n{note.decode()}" in document.text
    assert "Attachment: 2.jpg" in document.text


@pytest.mark.parametrize(
    ("name", "title", "phrases"),
    [
        (
            "testMSG_StickyNote.msg",
            "This is a note about the quick brown fox",
            ["This is a note about the quick brown fox"],
        ),
        ("testMSG_forwarded.msg", "FW: Testing", ["Forwarded Body", "Original Body", "paul@metajure.com"]),
    ],
)
def test_notes_and_forwarded_messages(tmp_path: Path, name: str, title: str, phrases: list[str]) -> None:
    document = _read(realdoc(name, tmp_path))
    assert document.title == title
    for phrase in phrases:
        assert phrase in document.text


def test_broken_messages_get_a_clear_reason(tmp_path: Path) -> None:
    error = _refused(_cut(realdoc("testMSG_forwarded.msg", tmp_path), 3))
    assert error.status == "failed" and error.reason.startswith("corrupt message: ")
    (tmp_path / "plain.msg").write_text("Subject: not really\n\nhello")
    error = _refused(tmp_path / "plain.msg")
    assert error.status == "failed" and "no OLE2 header" in error.reason
    word = realdoc("testWORD_3imgs.doc", tmp_path)
    assert "not an Outlook message" in _refused(word.rename(tmp_path / "word.msg")).reason
