"""E-mail: single messages (.eml) and mailboxes (.mbox), with the standard library.

A message becomes its headers (From, To, Cc, Date, Subject), its body (the plain-text part,
else the HTML part as visible text) and its text attachments, each under its file name.
Other attachments are listed by name only. A mailbox is its messages one after another.
"""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage

from desktop_search.core.extract import html, text
from desktop_search.core.extract.document import ExtractedDocument, ExtractionError

MAX_MESSAGES = 20_000
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


def message_text(message: EmailMessage) -> tuple[str, str | None]:
    """The text of one message and its subject."""
    lines = [f"{name}: {value}" for name in _HEADERS if (value := _header(message, name))]
    plain: list[str] = []
    html_parts: list[str] = []
    attachments: list[str] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        filename = part.get_filename()
        content_type = part.get_content_type()
        if filename:
            body = _decoded(part) if content_type.startswith("text/") else None
            attachments.append(f"Attachment: {filename}" + (f"\n{body.strip()}" if body else ""))
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
