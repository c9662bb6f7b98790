"""Rich Text Format, read by its specification (RTF 1.9.1): groups, destinations, code pages.

A small tokenizer walks the file once. What it keeps and drops:

- Destinations that hold no document text (font and colour tables, style sheets, pictures,
  embedded object data, field instructions, and every ``{\\* ...}`` group the reader does not
  know) are skipped whole; a ``\\*`` anywhere but at the start of a group means nothing (Word
  and StarWriter write it mid-group, and the text after it is the document's).
- ``\\fldrslt`` (what a field shows), ``\\result`` of an object, footnotes, list numbers and
  table cells are text; ``\\info``'s ``\\title`` is the title.
- ``\\upr`` holds a text twice, for old readers and as Unicode (``\\ud``): the Unicode copy is read.
- ``\\'hh`` bytes are decoded in the code page of the current font (``\\fcharset``) or of the
  document (``\\ansicpg``), double-byte code pages included; ``\\uN`` is a Unicode character
  followed by ``\\ucN`` fallback characters that are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from desktop_search.core.extract.document import ExtractedDocument, ExtractionError

MAX_DEPTH = 500
_TOKEN = re.compile(
    rb"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?|\\'([0-9a-fA-F]{2})|\\([^a-zA-Z])|([{}])|([^\\{}\r\n]+)|[\r\n]+"
)
# \fcharset -> code page (RTF spec, "Font table").
_CHARSETS = {
    0: None, 1: None, 2: "cp1252", 77: "mac_roman", 128: "cp932", 129: "cp949", 130: "johab",
    134: "gbk", 136: "big5", 161: "cp1253", 162: "cp1254", 163: "cp1258", 177: "cp1255",
    178: "cp1256", 186: "cp1257", 204: "cp1251", 222: "cp874", 238: "cp1250", 254: "cp437",
}  # fmt: skip
_SKIPPED = frozenset(
    "fonttbl colortbl stylesheet listtable listoverridetable revtbl rsidtbl filetbl pict object "
    "objdata fldinst datafield themedata colorschememapping latentstyles datastore xmlnstbl "
    "generator mmathPr pgdsctbl bkmkstart bkmkend template userprops docvar private pntxta "
    "pntxtb".split()
)
_INFO_TEXT = frozenset({"title"})
_TEXT_DESTINATIONS = frozenset({"footnote", "listtext", "pntext"})
_CHARACTERS = {
    b"par": "\n", b"line": "\n", b"sect": "\n\n", b"page": "\n\n", b"row": "\n", b"cell": "\t",
    b"nestcell": "\t", b"tab": "\t", b"emdash": "\u2014", b"endash": "\u2013", b"emspace": "\u2003",
    b"enspace": "\u2002", b"qmspace": "\u2005", b"bullet": "\u2022", b"lquote": "\u2018",
    b"rquote": "\u2019", b"ldblquote": "\u201c", b"rdblquote": "\u201d", b"zwj": "\u200d",
    b"zwnj": "\u200c",
}  # fmt: skip
_SYMBOLS = {
    b"~": "\u00a0",
    b"_": "\u2011",
    b"-": "",
    b"\\": "\\",
    b"{": "{",
    b"}": "}",
    b"\n": "\n",
    b"\r": "\n",
}


@dataclass(frozen=True)
class _State:
    skip: bool = False  # inside a destination that holds no document text
    into_title: bool = False
    codepage: str = "cp1252"
    uc: int = 1  # fallback characters after \uN
    hidden: bool = False  # the ANSI copy in \upr{...}{\*\ud{...}}: the Unicode copy is read


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.out: list[str] = []
        self.title: list[str] = []
        self.fonts: dict[int, str] = {}  # font number -> code page
        self.default_codepage = "cp1252"
        self.pending = bytearray()  # \'hh bytes, decoded together (double-byte code pages)
        self.pending_state = _State()

    def _target(self, state: _State) -> list[str] | None:
        if state.hidden:
            return None
        if state.into_title:
            return self.title
        return None if state.skip else self.out

    def emit(self, state: _State, text: str) -> None:
        self.flush()
        target = self._target(state)
        if target is not None:
            target.append(text)

    def add_byte(self, state: _State, value: int) -> None:
        if self.pending and self.pending_state != state:
            self.flush()
        self.pending.append(value)
        self.pending_state = state

    def flush(self) -> None:
        if not self.pending:
            return
        target = self._target(self.pending_state)
        if target is not None:
            target.append(bytes(self.pending).decode(self.pending_state.codepage, errors="replace"))
        self.pending.clear()

    def read(self) -> tuple[str, str | None]:
        stack: list[_State] = []
        state = _State()
        group_start = False
        skip_fallback = 0
        font_number: int | None = None
        in_fonttbl_depth: int | None = None
        position, length = 0, len(self.data)
        while position < length:
            match = _TOKEN.match(self.data, position)
            if match is None:  # a lone backslash at the end
                break
            position = match.end()
            word, argument, hex_byte, symbol, brace, text = match.groups()
            if skip_fallback:  # the \uN fallback: characters and \'hh count, a control word ends it
                if text:
                    taken = min(skip_fallback, len(text))
                    skip_fallback -= taken
                    text = text[taken:]
                    if not text:
                        continue
                elif hex_byte:
                    skip_fallback -= 1
                    continue
                elif word or symbol:
                    skip_fallback = 0
            if brace:
                skip_fallback = 0
            if brace == b"{":
                if len(stack) >= MAX_DEPTH:
                    raise ExtractionError("failed", "corrupt document: RTF groups nested too deeply")
                stack.append(state)
                group_start = True
                continue
            starts_group, group_start = group_start, False
            if brace == b"}":
                self.flush()
                if in_fonttbl_depth is not None and len(stack) <= in_fonttbl_depth:
                    in_fonttbl_depth = None
                if not stack:
                    break  # the document's closing brace; anything after it is not RTF
                state = stack.pop()
                continue
            if text is not None:
                self.emit(state, text.decode(state.codepage, errors="replace"))
                continue
            if hex_byte is not None:
                self.add_byte(state, int(hex_byte, 16))
                continue
            if symbol is not None:
                if symbol == b"*":
                    if starts_group:
                        state = replace(state, skip=True)  # unknown ignorable destination ...
                        group_start = True  # ... unless the next word is one we read
                    continue
                if symbol in _SYMBOLS:
                    self.emit(state, _SYMBOLS[symbol])
                continue
            if not word:  # line breaks in the file are not text
                continue
            name = word.decode("ascii")
            number = int(argument) if argument else None
            if name == "bin":  # binary data: skip its bytes
                position += max(0, number or 0)
                continue
            if name == "u" and number is not None:
                self.emit(state, chr(number + 65536 if number < 0 else number) if number < 0x110000 else "")
                skip_fallback = state.uc
                continue
            if name == "uc" and number is not None:
                state = replace(state, uc=max(0, number))
            elif name == "ansicpg" and number:
                self.default_codepage = _codepage(number) or self.default_codepage
                state = replace(state, codepage=self.default_codepage)
            elif name == "fonttbl":
                in_fonttbl_depth = len(stack)
                state = replace(state, skip=True)
            elif name == "f" and number is not None:
                if in_fonttbl_depth is not None:
                    font_number = number
                else:
                    state = replace(state, codepage=self.fonts.get(number, self.default_codepage))
            elif name == "fcharset" and number is not None and font_number is not None:
                codepage = _CHARSETS.get(number)
                self.fonts[font_number] = codepage or self.default_codepage
            elif name in ("fldrslt", "result") or (
                starts_group and name in ("footnote", "listtext", "pntext")
            ):
                state = replace(state, skip=False)  # what a field or an object shows is text
            elif name == "upr":
                state = replace(state, hidden=True)
            elif name == "ud" and starts_group:
                state = replace(state, hidden=False)
            elif name in _INFO_TEXT and starts_group:
                state = replace(state, into_title=True, skip=True)
            elif name == "info" or name in _SKIPPED:
                state = replace(state, skip=True)
            elif word in _CHARACTERS:
                self.emit(state, _CHARACTERS[word])
        self.flush()
        title = "".join(self.title).strip() or None
        return "".join(self.out), title


def _codepage(number: int) -> str | None:
    import codecs

    name = f"cp{number}"
    try:
        codecs.lookup(name)
    except LookupError:
        return None
    return name


def extract_rtf(data: bytes, name: str) -> ExtractedDocument:
    """The text of an RTF document and its ``\\info`` title."""
    if not data.lstrip().startswith(b"{\\rtf"):
        raise ExtractionError("failed", "not an RTF file (no {\\rtf header)")
    text, title = _Reader(data).read()
    return ExtractedDocument(text, title)
