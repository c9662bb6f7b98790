"""E-mail: single messages (.eml) and mailboxes (.mbox), with the standard library.

A message becomes its headers (From, To, Cc, Date, Subject), its body (the plain-text part,
else the HTML part as visible text) and its attachments, each under its file name and read
by the extractor of its type (a PDF, a Word file, a text file; at most two levels deep), and
its attached messages (also those sent base64-encoded) the same way. Attachments no
extractor reads are listed by name. A mailbox is its messages one after another.
"""

from __future__ import annotations

import base64
import email
import email.policy
import quopri
import re
from email.message import EmailMessage
from pathlib import Path

from desktop_search.core.extract import html, text
from desktop_search.core.extract.document import ExtractedDocument, ExtractionError

MAX_MESSAGES = 20_000
MAX_MESSAGE_DEPTH = 2  # a message attached to a message attached to this one
_HEADERS = ("From", "To", "Cc", "Date", "Subject")
_MBOX_SEPARATOR = re.compile(rb"^From .*\r?\n", re.MULTILINE)
_QUOTED_FROM = re.compile(rb"^>+From ", re.MULTILINE)


def _decoded(part: EmailMessage) -> str | None:
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # malformed transfer encoding
        return None
    if not isinstance(payload, bytes):
        return None
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:  # an unknown charset name
        return text.decode_text(payload)


def _header(message: EmailMessage, name: str) -> str:
    try:
        return str(message.get(name, "") or "")
    except Exception:  # a header that does not parse still must not stop the message
        return str(message.get_all(name, failobj=[""])[0])


def _attachment_text(part: EmailMessage, filename: str) -> str:
    """ "Attachment: name", then what the attachment says (or why it was not read)."""
    from desktop_search.core.extract import ExtractionError, extract_embedded, extractor_for

    heading = f"Attachment: {filename}"
    if extractor_for(Path(filename)) is None:
        return heading
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # malformed transfer encoding
        return heading
    if not isinstance(payload, bytes) or not payload:
        return heading
    try:
        document = extract_embedded(payload, filename)
    except ExtractionError as error:
        return f"{heading} (not read: {error.reason})"
    body = document.text.strip()
    return f"{heading}\n{body}" if body else heading


def _attached_message(part: EmailMessage) -> EmailMessage | None:
    """The message inside a message/rfc822 part, also when it was sent base64-encoded (as
    GroupWise does; the parser then sees only the encoded text)."""
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    if not isinstance(inner, EmailMessage):
        return None
    encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    encoded = inner.get_payload()
    if encoding in ("base64", "quoted-printable") and isinstance(encoded, str):
        try:
            raw = base64.b64decode(encoded) if encoding == "base64" else quopri.decodestring(encoded)
        except ValueError:
            return None
        return _parse(raw) if raw.strip() else None
    return inner


def message_text(message: EmailMessage, depth: int = 0) -> tuple[str, str | None]:
    """The text of one message and its subject."""
    lines = [f"{name}: {value}" for name in _HEADERS if (value := _header(message, name))]
    plain: list[str] = []
    html_parts: list[str] = []
    attachments: list[str] = []
    parts = [message]
    while parts:
        part = parts.pop(0)
        content_type = part.get_content_type()
        if content_type == "message/rfc822":
            inner = _attached_message(part) if depth < MAX_MESSAGE_DEPTH else None
            if inner is not None:
                attached, _ = message_text(inner, depth + 1)
                attachments.append(f"Attached message:\n{attached.strip()}")
            continue
        if part.is_multipart():
            parts[:0] = [p for p in part.iter_parts() if isinstance(p, EmailMessage)]
            continue
        filename = part.get_filename()
        if filename:
            attachments.append(_attachment_text(part, filename))
        elif content_type == "text/plain":
            plain += [body for body in [_decoded(part)] if body]
        elif content_type == "text/html":
            html_parts += [html.visible_text(body)[1] for body in [_decoded(part)] if body]
    body = "\n\n".join(plain or html_parts).strip()
    subject = _header(message, "Subject").strip() or None
    return "\n".join(lines) + "\n\n" + body + "".join(f"\n\n{a}" for a in attachments), subject


def _parse(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def extract_eml(data: bytes, name: str) -> ExtractedDocument:
    if not data.strip():
        return ExtractedDocument("")
    body, subject = message_text(_parse(data))
    return ExtractedDocument(body, subject)


def extract_mbox(data: bytes, name: str) -> ExtractedDocument:
    starts = [m.end() for m in _MBOX_SEPARATOR.finditer(data)]
    if not starts and data.strip():
        raise ExtractionError("failed", "not an mbox mailbox (no 'From ' separator lines)")
    bounds = [*(m.start() for m in _MBOX_SEPARATOR.finditer(data)), len(data)][1:]
    messages = []
    for start, end in list(zip(starts, bounds, strict=True))[:MAX_MESSAGES]:
        unescaped = _QUOTED_FROM.sub(lambda m: m.group(0)[1:], data[start:end])  # mboxo quoting
        messages.append(message_text(_parse(unescaped))[0])
    note = f"only the first {MAX_MESSAGES:,} messages" if len(starts) > MAX_MESSAGES else None
    return ExtractedDocument("\n\n\n".join(messages), None, note=note)
