"""Legacy OLE2 files: Word 97-2003 documents (.doc, .dot) and Outlook messages (.msg).

Both are OLE2 compound files (a small FAT file system in one file), opened with ``olefile``;
what lies inside is parsed here from Microsoft's published specifications:

* Word ([MS-DOC]): the FIB at the start of the ``WordDocument`` stream says which table
  stream (``0Table`` or ``1Table``) holds the piece table (the CLX) and how long each story
  is. Each piece is a run of characters stored as Windows-1252 bytes or UTF-16LE. Field
  instructions (``HYPERLINK "..."``) are dropped and their results kept; paragraph, cell and
  line marks become line breaks and tabs. Stories after the main text (footnotes, headers,
  comments, endnotes, text boxes) follow it, as the DOCX extractor does.
* Outlook ([MS-OXMSG]): each MAPI property is a stream ``__substg1.0_IIIITTTT`` (id, type)
  or, when fixed-size, an entry of ``__properties_version1.0``. A message is laid out as
  ``mail.py`` lays out an .eml: headers, body (plain text, else the HTML body as visible
  text), then its attachments by name, with the text of text attachments and the headers
  and body of attached messages (one level deep).

Everything is read from bytes with bounded loops; a malformed file is an ``ExtractionError``.
"""

from __future__ import annotations

import codecs
import email.utils
import io
import logging
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import IO, Any, Protocol

import olefile

from desktop_search.core.extract import html, text
from desktop_search.core.extract.document import (
    STATUS_ENCRYPTED,
    STATUS_FAILED,
    STATUS_SKIPPED,
    ExtractedDocument,
    ExtractionError,
)

log = logging.getLogger(__name__)

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
MAX_ATTACHMENTS = 1_000
MAX_RECIPIENTS = 1_000


class _Ole(Protocol):
    """The part of ``olefile.OleFileIO`` used here."""

    def openstream(self, filename: list[str]) -> IO[bytes]: ...

    def listdir(self, streams: bool = ..., storages: bool = ...) -> list[list[str]]: ...

    def exists(self, filename: str) -> bool: ...

    def get_type(self, filename: list[str]) -> int: ...


def _open(data: bytes, kind: str) -> Any:
    if not data.startswith(OLE_MAGIC):
        raise ExtractionError(STATUS_FAILED, f"not {kind} (no OLE2 header)")
    return olefile.OleFileIO(io.BytesIO(data))


# Defects olefile steps over (it reads what it can) that mean parts of the file are missing:
# a cut-off file gives a message without its body rather than an error, unless checked.
_DAMAGE = ("out of range", "incomplete", "less than declared", "too large", "not enough sectors")


def _refuse_damage(ole: Any, kind: str) -> None:
    """Raise if reading so far met a missing or cut-off part of the container."""
    for _type, issue in getattr(ole, "parsing_issues", []):
        if any(words in str(issue) for words in _DAMAGE):
            raise _corrupt(f"{kind}: {issue}")


def _corrupt(what: str) -> ExtractionError:
    return ExtractionError(STATUS_FAILED, f"corrupt {what}")


def _guarded(kind: str, read: Callable[[bytes], ExtractedDocument], data: bytes) -> ExtractedDocument:
    """Run a reader; anything but an ExtractionError (or running out of memory) is a
    malformed file, said as such."""
    try:
        return read(data)
    except (ExtractionError, MemoryError, RecursionError):
        raise
    except Exception as exc:
        raise ExtractionError(STATUS_FAILED, f"corrupt {kind}: {exc or type(exc).__name__}") from exc


_CODE_PAGES = {
    65001: "utf-8",
    20127: "ascii",
    20866: "koi8_r",
    21866: "koi8_u",
    50220: "iso2022_jp",
    50221: "iso2022_jp",
    50222: "iso2022_jp",
    51932: "euc_jp",
    51949: "euc_kr",
    52936: "hz",
    54936: "gb18030",
    10000: "mac_roman",
    **{28590 + n: f"iso8859_{n}" for n in range(1, 17) if n != 12},
}


def _codec(code_page: int | None) -> str | None:
    """The Python codec of a Windows code page number for 8-bit text, None if unknown."""
    if code_page is None:
        return None
    name = _CODE_PAGES.get(code_page, f"cp{code_page}")
    try:
        found = codecs.lookup(name)
    except LookupError:
        return None
    return None if found.name.startswith(("utf-16", "utf-32")) else found.name


# --- Word 97-2003 ----------------------------------------------------------------------

_WORD_IDENT = 0xA5EC
_WORD97_NFIB = 0xC0  # Word 6 writes 101, Word 95 104, Word 97 and later 193 (0xC1) or so
_F_ENCRYPTED = 0x0100
_F_WHICH_TBL_STM = 0x0200
_CLX_INDEX = 33  # fcClx/lcbClx is the 34th pair of FibRgFcLcb97
_STORIES = 8  # ccpText, ccpFtn, ccpHdd, ccpMcr, ccpAtn, ccpEdn, ccpTxbx, ccpHdrTxbx
_CCP_INDEX = 3  # ccpText is the 4th long of FibRgLw97
_FIELD_MARKS = re.compile("([\x13\x14\x15])")
_TABLE_MARKS = re.compile("\x07+")
_EMPTY_CELLS_AT_ROW_END = re.compile("\t+\n")
_BLANK_LINES = re.compile(r"\n{3,}")
# Paragraph, page/section and line marks are breaks; the non-breaking hyphen is a hyphen;
# optional hyphens and the other marks (pictures, footnote references, separators) go.
_WORD_CHARACTERS = {
    **dict.fromkeys(range(0x20), None),
    0x09: "\t",
    0x0A: "\n",
    0x0B: "\n",
    0x0C: "\n",
    0x0D: "\n",
    0x1E: "-",
}


@dataclass(frozen=True)
class _Fib:
    table: str
    fc_clx: int
    lcb_clx: int
    stories: tuple[int, ...]


def _fib(word: bytes) -> _Fib:
    """The parts of the File Information Block this reader needs; refuses what it cannot read."""
    if len(word) < 34:
        raise _corrupt("document: WordDocument stream too short")
    ident, n_fib, _unused, _lid, _pn_next, flags = struct.unpack_from("<HHHHHH", word)
    if ident != _WORD_IDENT:
        raise _corrupt("document: no Word signature in the FIB")
    if flags & _F_ENCRYPTED:
        raise ExtractionError(STATUS_ENCRYPTED, "password-protected Word file")
    if n_fib < _WORD97_NFIB:
        raise ExtractionError(STATUS_SKIPPED, "unsupported (legacy Word 6/95 format)")
    (csw,) = struct.unpack_from("<H", word, 32)
    lw_at = 32 + 2 + 2 * csw + 2
    if lw_at > len(word):
        raise _corrupt("document: FIB too short")
    (cslw,) = struct.unpack_from("<H", word, lw_at - 2)
    pairs_at = lw_at + 4 * cslw + 2
    if cslw < _CCP_INDEX + _STORIES or pairs_at > len(word):
        raise _corrupt("document: FIB too short")
    stories = struct.unpack_from(f"<{_STORIES}i", word, lw_at + 4 * _CCP_INDEX)
    (pairs,) = struct.unpack_from("<H", word, pairs_at - 2)
    clx_at = pairs_at + 8 * _CLX_INDEX
    if pairs <= _CLX_INDEX or clx_at + 8 > len(word):
        raise _corrupt("document: FIB has no piece table entry")
    fc_clx, lcb_clx = struct.unpack_from("<II", word, clx_at)
    table = "1Table" if flags & _F_WHICH_TBL_STM else "0Table"
    return _Fib(table, fc_clx, lcb_clx, tuple(max(0, n) for n in stories))


def _pieces(table: bytes, fib: _Fib) -> list[tuple[int, int, int, bool]]:
    """(first CP, end CP, file offset, compressed) of each piece in the CLX."""
    if fib.lcb_clx == 0 or fib.fc_clx + fib.lcb_clx > len(table):
        raise _corrupt("document: piece table outside the table stream")
    clx = table[fib.fc_clx : fib.fc_clx + fib.lcb_clx]
    position = 0
    while position < len(clx) and clx[position] == 0x01:  # a Prc: formatting, skipped
        if position + 3 > len(clx):
            raise _corrupt("document: piece table cut short")
        (size,) = struct.unpack_from("<h", clx, position + 1)
        if size < 0:
            raise _corrupt("document: negative property size in the piece table")
        position += 3 + size
    if position + 5 > len(clx) or clx[position] != 0x02:
        raise _corrupt("document: no piece table in the CLX")
    (size,) = struct.unpack_from("<I", clx, position + 1)
    plc = clx[position + 5 : position + 5 + size]
    if len(plc) < size or size < 4 or (size - 4) % 12:
        raise _corrupt("document: piece table has a bad size")
    count = (size - 4) // 12
    cps = struct.unpack_from(f"<{count + 1}I", plc)
    pieces = []
    for index in range(count):
        (fc,) = struct.unpack_from("<I", plc, 4 * (count + 1) + 8 * index + 2)
        start, end = cps[index], cps[index + 1]
        if end < start:
            raise _corrupt("document: piece table out of order")
        pieces.append((start, end, fc & 0x3FFFFFFF, bool(fc & 0x40000000)))
    return pieces


def _characters(word: bytes, pieces: list[tuple[int, int, int, bool]]) -> str:
    """All the document's characters, piece after piece (no more than the stream can hold)."""
    out: list[str] = []
    total = 0
    for start, end, fc, compressed in pieces:
        count = end - start
        total += count
        if total > len(word):
            raise _corrupt("document: piece table claims more text than the file holds")
        if compressed:
            raw = word[fc // 2 : fc // 2 + count]
            decoded = raw.decode("cp1252", errors="replace")
        else:
            raw = word[fc : fc + 2 * count]
            decoded = raw.decode("utf-16-le", errors="replace")
        if len(raw) < (count if compressed else 2 * count):
            raise _corrupt("document: text piece outside the WordDocument stream")
        out.append(decoded)
    return "".join(out)


def _table_marks(match: re.Match[str]) -> str:
    """A cell mark is a tab; the last of a run of marks is taken for the row's end (without
    paragraph properties a row end and an empty cell look alike)."""
    marks = len(match.group(0))
    return "\t" if marks == 1 else "\t" * (marks - 1) + "\n"


def word_text(characters: str) -> str:
    """Readable text of Word's characters: field instructions dropped (results kept), marks
    made breaks and tabs, other control characters removed."""
    kept: list[str] = []
    fields: list[bool] = []  # per open field: still in its instruction?
    in_instruction = 0
    for part in _FIELD_MARKS.split(characters):
        if part == "\x13":
            fields.append(True)
            in_instruction += 1
        elif part == "\x14":
            if fields and fields[-1]:
                fields[-1] = False
                in_instruction -= 1
        elif part == "\x15":
            if fields and fields.pop():
                in_instruction -= 1
        elif not in_instruction:
            kept.append(part)
    joined = _TABLE_MARKS.sub(_table_marks, "".join(kept)).translate(_WORD_CHARACTERS)
    return _BLANK_LINES.sub("\n\n", _EMPTY_CELLS_AT_ROW_END.sub("\n", joined)).strip("\n")


_SUMMARY = "\x05SummaryInformation"
_PID_CODEPAGE, _PID_TITLE = 1, 2
_VT_I2, _VT_LPSTR, _VT_LPWSTR = 0x0002, 0x001E, 0x001F
_CP_WINUNICODE = 1200


def summary_title(raw: bytes) -> str | None:
    """The title in a SummaryInformation property set ([MS-OLEPS]), None if it has none.

    Read here rather than with ``olefile.get_metadata``, which can spin for minutes on a
    damaged property vector."""
    if len(raw) < 48:
        return None
    (section,) = struct.unpack_from("<I", raw, 44)  # the first (and only used) section
    if section + 8 > len(raw):
        return None
    (count,) = struct.unpack_from("<I", raw, section + 4)
    offsets = {}
    for index in range(min(count, (len(raw) - section - 8) // 8)):
        prop, offset = struct.unpack_from("<II", raw, section + 8 + 8 * index)
        offsets[prop] = section + offset
    code_page = None
    at = offsets.get(_PID_CODEPAGE, len(raw))
    if at + 6 <= len(raw) and struct.unpack_from("<H", raw, at)[0] == _VT_I2:
        (code_page,) = struct.unpack_from("<H", raw, at + 4)
    at = offsets.get(_PID_TITLE, len(raw))
    if at + 8 > len(raw):
        return None
    kind, size = struct.unpack_from("<H2xI", raw, at)
    if kind == _VT_LPWSTR or (kind == _VT_LPSTR and code_page == _CP_WINUNICODE):
        length = 2 * size if kind == _VT_LPWSTR else size  # characters for LPWSTR, bytes else
        value = raw[at + 8 : at + 8 + length].decode("utf-16-le", "replace")
    elif kind == _VT_LPSTR:
        value = raw[at + 8 : at + 8 + size].decode(_codec(code_page) or "cp1252", "replace")
    else:
        return None
    return value.split("\x00", 1)[0].strip() or None


def _word_title(ole: _Ole) -> str | None:
    if not ole.exists(_SUMMARY):
        return None
    try:
        return summary_title(ole.openstream([_SUMMARY]).read())
    except Exception:  # a damaged summary stream costs only the title
        log.debug("unreadable SummaryInformation", exc_info=True)
        return None


def _read_doc(data: bytes) -> ExtractedDocument:
    with _open(data, "a Word document") as ole:
        if ole.exists("EncryptionInfo"):  # an encrypted OOXML file saved under .doc
            raise ExtractionError(STATUS_ENCRYPTED, "password-protected Word file")
        if not ole.exists("WordDocument"):
            raise ExtractionError(STATUS_SKIPPED, "unsupported (legacy format: no Word document inside)")
        word: bytes = ole.openstream(["WordDocument"]).read()
        fib = _fib(word)
        if not ole.exists(fib.table):
            raise _corrupt(f"document: no {fib.table} stream")
        table: bytes = ole.openstream([fib.table]).read()
        characters = _characters(word, _pieces(table, fib))
        stories, position = [], 0
        for length in fib.stories:
            stories.append(characters[position : position + length])
            position += length
        if not position or position > len(characters):  # lengths that do not fit: one story
            stories = [characters]
        texts = [word_text(story) for story in stories]
        _refuse_damage(ole, "document")
        return ExtractedDocument("\n\n".join(t for t in texts if t.strip()), _word_title(ole))


def extract_doc(data: bytes, name: str) -> ExtractedDocument:
    """The text of a Word 97-2003 document or template (.doc, .dot) and its title."""
    if not data:
        return ExtractedDocument("")
    if data.startswith(_ZIP_MAGIC):
        raise ExtractionError(STATUS_SKIPPED, "unsupported (Office Open XML under the .doc extension)")
    if data.lstrip().startswith(b"{\\rtf"):  # WordPad and many tools save RTF as .doc
        from desktop_search.core.extract.rtf import extract_rtf

        return extract_rtf(data, name)
    if data.startswith(b"\xdb\xa5"):
        raise ExtractionError(STATUS_SKIPPED, "unsupported (legacy Word 2 format)")
    return _guarded("document", _read_doc, data)


# --- Outlook .msg ----------------------------------------------------------------------

_UNICODE, _STRING8, _BINARY, _LONG, _SYSTIME = 0x001F, 0x001E, 0x0102, 0x0003, 0x0040
_SUBJECT, _BODY, _HTML_BODY = 0x0037, 0x1000, 0x1013
_SENDER_NAME, _SENDER_KIND, _SENDER_ADDRESS, _SENDER_SMTP = 0x0C1A, 0x0C1E, 0x0C1F, 0x5D01
_SENT_AS_NAME, _SENT_AS_KIND, _SENT_AS_ADDRESS = 0x0042, 0x0064, 0x0065
_DISPLAY_TO, _DISPLAY_CC = 0x0E04, 0x0E03
_SUBMITTED, _DELIVERED = 0x0039, 0x0E06
_MESSAGE_CODE_PAGE, _INTERNET_CODE_PAGE = 0x3FFD, 0x3FDE
_RECIPIENT_NAME, _RECIPIENT_ADDRESS, _RECIPIENT_SMTP, _RECIPIENT_TYPE = 0x3001, 0x3003, 0x39FE, 0x0C15
_ATTACH_LONG_NAME, _ATTACH_NAME, _ATTACH_DISPLAY_NAME = 0x3707, 0x3704, 0x3001
_ATTACH_DATA, _ATTACH_MIME = 0x3701, 0x370E
_EMBEDDED = "__substg1.0_3701000d"
_PROPERTIES = "__properties_version1.0"
_TEXT_MIME = ("text/",)
_STREAM = 2  # olefile's STGTY_STREAM
_FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=timezone.utc)

Storage = tuple[str, ...]


class _Message:
    """Property access in one .msg file: names are looked up case-insensitively."""

    def __init__(self, ole: _Ole) -> None:
        self.ole = ole
        self.children: dict[Storage, dict[str, list[str]]] = {}
        for entry in ole.listdir(streams=True, storages=True):
            parent = tuple(part.lower() for part in entry[:-1])
            self.children.setdefault(parent, {})[entry[-1].lower()] = entry

    def storages(self, storage: Storage, prefix: str) -> list[Storage]:
        """Sub-storages of ``storage`` whose names start with ``prefix``, in name order."""
        names = sorted(n for n in self.children.get(storage, {}) if n.startswith(prefix))
        return [(*storage, n) for n in names if (*storage, n) in self.children]

    def stream(self, storage: Storage, name: str) -> bytes | None:
        entry = self.children.get(storage, {}).get(name.lower())
        if entry is None or self.ole.get_type(entry) != _STREAM:
            return None
        found: bytes = self.ole.openstream(entry).read()
        return found

    def binary(self, storage: Storage, prop: int) -> bytes | None:
        return self.stream(storage, f"__substg1.0_{prop:04x}{_BINARY:04x}")

    def string(self, storage: Storage, prop: int, codec: str) -> str:
        raw = self.stream(storage, f"__substg1.0_{prop:04x}{_UNICODE:04x}")
        if raw is not None:
            return raw.decode("utf-16-le", errors="replace").strip("\x00").strip()
        raw = self.stream(storage, f"__substg1.0_{prop:04x}{_STRING8:04x}")
        return raw.decode(codec, errors="replace").strip("\x00").strip() if raw is not None else ""

    def fixed(self, storage: Storage, header: int) -> dict[int, bytes]:
        """Fixed-size properties (property id -> 8-byte value) of the storage's property stream;
        the stream's header is 32 bytes for a message, 24 for an attached one, 8 otherwise."""
        raw = self.stream(storage, _PROPERTIES) or b""
        values: dict[int, bytes] = {}
        for at in range(header, len(raw) - 15, 16):
            (tag,) = struct.unpack_from("<I", raw, at)
            if tag & 0xFFFF in (_LONG, _SYSTIME):
                values[tag >> 16] = raw[at + 8 : at + 16]
        return values


def _long(values: dict[int, bytes], prop: int) -> int | None:
    if prop not in values:
        return None
    value: int = struct.unpack("<i", values[prop][:4])[0]
    return value


def _date(values: dict[int, bytes]) -> str:
    for prop in (_SUBMITTED, _DELIVERED):
        if prop in values:
            (ticks,) = struct.unpack("<Q", values[prop])
            try:
                return email.utils.format_datetime(_FILETIME_EPOCH + timedelta(microseconds=ticks // 10))
            except (OverflowError, ValueError):
                continue
    return ""


def _address(name: str, address: str) -> str:
    if "@" not in address or address == name:
        return name or (address if "@" in address else "")
    return f"{name} <{address}>" if name else address


def _sender(msg: _Message, storage: Storage, codec: str) -> str:
    name = msg.string(storage, _SENDER_NAME, codec) or msg.string(storage, _SENT_AS_NAME, codec)
    address = msg.string(storage, _SENDER_SMTP, codec)
    for kind, prop in ((_SENDER_KIND, _SENDER_ADDRESS), (_SENT_AS_KIND, _SENT_AS_ADDRESS)):
        if not address and msg.string(storage, kind, codec).upper() == "SMTP":
            address = msg.string(storage, prop, codec)
    return _address(name, address)


def _recipients(msg: _Message, storage: Storage, codec: str) -> tuple[str, str]:
    """(To, Cc) from the recipient storages, else from the display strings."""
    to: list[str] = []
    cc: list[str] = []
    for recipient in msg.storages(storage, "__recip_version1.0_#")[:MAX_RECIPIENTS]:
        smtp = msg.string(recipient, _RECIPIENT_SMTP, codec)
        address = smtp or msg.string(recipient, _RECIPIENT_ADDRESS, codec)
        shown = _address(msg.string(recipient, _RECIPIENT_NAME, codec), address)
        kind = _long(msg.fixed(recipient, 8), _RECIPIENT_TYPE)
        if shown and kind in (None, 1):
            to.append(shown)
        elif shown and kind == 2:
            cc.append(shown)
    if to or cc:
        return ", ".join(to), ", ".join(cc)
    return msg.string(storage, _DISPLAY_TO, codec), msg.string(storage, _DISPLAY_CC, codec)


def _html_text(raw: bytes, code_page: str | None) -> str | None:
    decoded = text.decode_text(raw, html.declared_charset(raw) or code_page)
    return html.visible_text(decoded)[1] if decoded is not None else None


def _body(msg: _Message, storage: Storage, codec: str, internet_codec: str | None) -> str:
    plain = msg.string(storage, _BODY, codec)
    if plain:
        return plain
    raw = msg.binary(storage, _HTML_BODY)
    if raw is None:
        markup = msg.string(storage, _HTML_BODY, codec)
        return html.visible_text(markup)[1] if markup else ""
    return _html_text(raw, internet_codec) or ""


def _attachment(msg: _Message, storage: Storage, codec: str, depth: int, number: int) -> str:
    names = (msg.string(storage, p, codec) for p in (_ATTACH_LONG_NAME, _ATTACH_NAME, _ATTACH_DISPLAY_NAME))
    name = next((n for n in names if n), f"attachment {number}")
    heading = f"Attachment: {name}"
    embedded = (*storage, _EMBEDDED)
    if embedded in msg.children:
        return heading if depth else f"{heading}\n{_message_text(msg, embedded, depth + 1)[0]}"
    raw = msg.binary(storage, _ATTACH_DATA)
    if depth or raw is None:
        return heading
    from desktop_search.core.extract import ExtractionError, extract_embedded, extractor_for

    typed = name
    if extractor_for(Path(name)) is None and msg.string(storage, _ATTACH_MIME, codec).startswith(_TEXT_MIME):
        typed = f"{name}.txt"  # text by its MIME type, whatever its name says
    if extractor_for(Path(typed)) is None:
        return heading
    try:  # the same extractors as a file's (a PDF, a Word file ...), as for .eml attachments
        content = extract_embedded(raw, typed).text.strip()
    except ExtractionError as error:
        return f"{heading} (not read: {error.reason})"
    return f"{heading}\n{content}" if content else heading


def _message_text(msg: _Message, storage: Storage, depth: int) -> tuple[str, str | None]:
    """The text of the message in ``storage`` (laid out as ``mail.message_text`` does) and its
    subject; an attached message (depth 1) lists its own attachments by name only."""
    values = msg.fixed(storage, 24 if depth else 32)
    internet_codec = _codec(_long(values, _INTERNET_CODE_PAGE))
    codec = _codec(_long(values, _MESSAGE_CODE_PAGE)) or internet_codec or "cp1252"
    subject = msg.string(storage, _SUBJECT, codec)
    to, cc = _recipients(msg, storage, codec)
    sender, date = _sender(msg, storage, codec), _date(values)
    headers = {"From": sender, "To": to, "Cc": cc, "Date": date, "Subject": subject}
    lines = [f"{key}: {value}" for key, value in headers.items() if value]
    body = _body(msg, storage, codec, internet_codec).replace("\r\n", "\n").strip()
    attachments = [
        _attachment(msg, attached, codec, depth, number)
        for number, attached in enumerate(msg.storages(storage, "__attach_version1.0_#")[:MAX_ATTACHMENTS], 1)
    ]
    return "\n".join(lines) + "\n\n" + body + "".join(f"\n\n{a}" for a in attachments), subject or None


def _read_msg(data: bytes) -> ExtractedDocument:
    with _open(data, "an Outlook message") as ole:
        msg = _Message(ole)
        top = msg.children.get((), {})
        if _PROPERTIES not in top and not any(n.startswith("__substg1.0_") for n in top):
            raise ExtractionError(STATUS_FAILED, "not an Outlook message (no MAPI properties)")
        body, subject = _message_text(msg, (), 0)
        _refuse_damage(ole, "message")
        return ExtractedDocument(body, subject)


def extract_msg(data: bytes, name: str) -> ExtractedDocument:
    """An Outlook message (.msg): headers, body, attachments (names; text of text ones)."""
    if not data:
        return ExtractedDocument("")
    return _guarded("message", _read_msg, data)
