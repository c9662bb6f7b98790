"""E-mail attachments and attached messages are read with the same extractors as files."""

from __future__ import annotations

import re
from email.message import EmailMessage
from pathlib import Path

import pytest

from desktop_search.core.extract import MAX_NESTING, ExtractionError, extract, extract_embedded
from tests.conftest import realdoc
from tests.core.extract.written import extract_written, refused_written
from tests.fixtures import documents as docs


def _message(subject: str, body: str, attachments: list[tuple[str, bytes]]) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Ada Lovelace <ada@example.org>"
    message["Subject"] = subject
    message.set_content(body)
    for name, data in attachments:
        message.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return message


def test_a_base64_encoded_attached_message_is_read_not_indexed_as_base64(tmp_path: Path) -> None:
    text = extract(realdoc("testGroupWiseEml.eml", tmp_path), 10**8).text
    assert "Subject: test2" in text and "test2" in text.split("Attached message:")[1]
    assert not re.search(r"[A-Za-z0-9+/]{60,}", text)


def test_a_pdf_attachment_is_read(tmp_path: Path) -> None:
    text = extract(realdoc("test-incremental-updates.eml", tmp_path), 10**8).text
    assert "Attachment: testPDF_incrementalUpdates.pdf\nTesting" in text


def test_office_attachments_are_read_and_unreadable_ones_say_why(tmp_path: Path) -> None:
    message = _message(
        "Quarterly figures",
        "See the attached files.",
        [
            ("lease.docx", docs.docx_bytes(["The lease of the warehouse ends in March."])),
            ("locked.pdf", docs.encrypted_pdf_bytes([["secret"]])),
            ("photo.heic", b"\0" * 100),
        ],
    )
    path = docs.write(tmp_path, "figures.eml", bytes(message))
    document = extract(path, 10**8)
    assert document.title == "Quarterly figures"
    assert "Attachment: lease.docx\nThe lease of the warehouse ends in March." in document.text
    assert "Attachment: locked.pdf (not read: password-protected PDF)" in document.text
    assert "Attachment: photo.heic" in document.text


def test_attachments_nest_at_most_two_levels() -> None:
    innermost = bytes(_message("Level three", "deepest words", []))
    middle = bytes(_message("Level two", "middle words", [("three.eml", innermost)]))
    outer = bytes(_message("Level one", "outer words", [("two.eml", middle)]))
    text = extract_embedded(outer, "one.eml").text  # one level used by being embedded itself
    assert "middle words" in text
    assert "deepest words" not in text and f"nested more than {MAX_NESTING} levels deep" in text
    with pytest.raises(ExtractionError, match="unsupported file type"):
        extract_embedded(b"\0", "x.heic")


def test_email_headers_body_and_text_attachment(tmp_path: Path) -> None:
    data = docs.eml_bytes("Quarterly numbers", "Revenue grew.", attachment=("notes.txt", "see the appendix"))
    document = extract_written(tmp_path, "a.eml", data)
    assert document.title == "Quarterly numbers"
    assert "From: Ada Lovelace" in document.text and "Revenue grew." in document.text
    assert "Attachment: notes.txt\nsee the appendix" in document.text
    html = extract_written(tmp_path, "b.eml", docs.eml_bytes("Hi", "Bold <b>claim</b>", html=True))
    assert "Bold claim" in html.text and "<b>" not in html.text


def test_mbox_messages_with_quoted_from_lines(tmp_path: Path) -> None:
    data = docs.mbox_bytes([("First", "Hello\nFrom the start"), ("Second", "Bye")])
    document = extract_written(tmp_path, "inbox.mbox", data)
    assert "Subject: First" in document.text and "Subject: Second" in document.text
    assert "\nFrom the start" in document.text and ">From" not in document.text


@pytest.mark.parametrize(
    ("name", "make", "status", "reason"),
    [
        ("bad.mbox", lambda: b"no separators here", "failed", "not an mbox"),
    ],
)
def test_broken_encrypted_and_hostile_files_get_a_status_and_reason(
    tmp_path: Path, name: str, make, status: str, reason: str
) -> None:
    error = refused_written(tmp_path, name, make())
    assert error.status == status and reason in error.reason
