"""Text at the boundary: whatever an extractor returns is made safe before anything else sees it.

Extractors hand back text from parsers that trust the file: an RTF ``\\u`` escape can make a
lone surrogate (``tokenizers`` then raises ``TypeError`` and SQLite cannot bind the string),
PDFium marks a word hyphenated at a line end with U+FFFE, and binary junk brings control
characters and Unicode non-characters. ``clean_text`` gives valid, NFC-normalised Unicode
with none of those, and ``clean_document`` does it page by page so page starts stay right.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata

from desktop_search.core.extract.document import ExtractedDocument

# PDFium's U+FFFE (and U+0002 from some producers) or a soft hyphen where a word was split at
# a line end: the halves are one word ("ta\ufffebles" -> "tables"), unless the second half
# starts a capitalised word or a number ("Stress\ufffeEngineered" -> "Stress-Engineered").
_SPLIT_WORD = re.compile(r"(?<=\w)([\ufffe\u0002\u00ad])[ \t]*(?:\r\n|\r|\n)?[ \t]*(?=(\w))")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Line breaks by other names (Word's manual line break is a vertical tab): kept as breaks.
_OTHER_LINE_BREAK = re.compile("[\x0b\x85\u2028\u2029]")
# C0 controls but tab, line feed, form feed and carriage return; DEL and C1 controls;
# non-characters (U+FDD0..U+FDEF and the last two code points of every plane); the soft
# hyphen and PDFium's hyphen marks left where no word goes on.
_UNWANTED = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f-\x9f\u00ad\ufdd0-\ufdef\ufffe\uffff"
    + "".join(f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(1, 17))
    + "]"
)


def _pair_surrogates(text: str) -> str:
    """Combine high/low surrogate pairs into the character they encode; lone ones become U+FFFD."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _join_split_word(match: re.Match[str]) -> str:
    mark, next_letter = match.group(1), match.group(2)
    keeps_hyphen = mark != "\u00ad" and (next_letter.isupper() or next_letter.isdigit())
    return "-" if keeps_hyphen else ""


def clean_text(text: str) -> str:
    """Valid, NFC-normalised text: surrogates paired (or replaced), words split by a PDF line-end
    hyphen joined, control characters and non-characters removed. Idempotent."""
    if _SURROGATE.search(text):
        text = _pair_surrogates(text)
    text = _SPLIT_WORD.sub(_join_split_word, text)
    text = _OTHER_LINE_BREAK.sub("\n", text)
    text = _UNWANTED.sub("", text)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text


def clean_document(document: ExtractedDocument) -> ExtractedDocument:
    """The document with clean text and title; each page is cleaned on its own, so page
    starts still point at their page."""
    title = clean_text(document.title).strip() if document.title else None
    if not document.page_starts:
        return dataclasses.replace(document, text=clean_text(document.text), title=title or None)
    starts: list[int] = []
    for start in document.page_starts:  # in order and inside the text, one per page
        starts.append(min(max(start, starts[-1] if starts else 0), len(document.text)))
    bounds = [*starts[1:], len(document.text)]
    parts: list[str] = []
    new_starts: list[int] = []
    position = 0
    if starts[0] > 0:  # text before the first page (an extractor's preamble) stays, unpaged
        parts.append(clean_text(document.text[: starts[0]]))
        position = len(parts[0])
    for start, end in zip(starts, bounds, strict=True):
        page = clean_text(document.text[start:end])
        new_starts.append(position)
        parts.append(page)
        position += len(page)
    return dataclasses.replace(document, text="".join(parts), title=title or None, page_starts=new_starts)


# Garbled text layers: a PDF font without a usable ToUnicode map yields a text layer whose
# "words" are junk: letters of several scripts jumbled in one word, or letters run together
# with symbols ("0SVIQ^DMTWYQ" for "Lorem ipsum"). Real text in any language, code included,
# has plenty of plain words (letters of one script); junk has almost none.
_MIN_CHARS = 100
_JUNK_SHARE = 0.5
_PLAIN_SHARE = 0.2
_EAST_ASIAN = ("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "IDEOGRAPHIC", "HALFWIDTH", "FULLWIDTH")
_SYMBOLS_PER_CHAR = 0.1  # "0SVIQ^DMTWYQ": a symbol every few letters, where spaces were
_EDGE_PUNCTUATION = ".,;:!?\"'()[]{}«»\u201c\u201d\u2018\u2019*_-"


def _script(char: str) -> str:
    """The script of a letter, with Han, kana and Hangul as one (Japanese mixes them in a word)."""
    if char.isascii():
        return "LATIN"
    first = unicodedata.name(char, "").split(" ", 1)[0]
    return "CJK" if first.startswith(_EAST_ASIAN) else first


def _word_kind(word: str) -> str:
    """'plain' (letters of one script), 'junk' (scripts mixed, or letters run together with
    symbols) or 'other' (numbers, punctuation, identifiers)."""
    letters = [c for c in word if c.isalpha()]
    if len(letters) < 2:
        return "other"
    scripts = {_script(c) for c in letters}
    if len(scripts) > 1:
        return "junk"
    inner = word.strip(_EDGE_PUNCTUATION)
    if len(inner) == len(letters):
        return "plain"
    symbols = sum(1 for c in inner if unicodedata.category(c).startswith("S"))
    return "junk" if symbols >= _SYMBOLS_PER_CHAR * len(inner) else "other"


def looks_garbled(text: str) -> bool:
    """Whether a text layer is junk rather than words: most of its text is in junk words and
    hardly any in plain ones. Too little text to judge is not garbled."""
    sizes = {"plain": 0, "junk": 0, "other": 0}
    for word in text.split():
        sizes[_word_kind(word)] += len(word)
    total = sum(sizes.values())
    if total < _MIN_CHARS:
        return False
    return sizes["junk"] / total >= _JUNK_SHARE and sizes["plain"] / total < _PLAIN_SHARE
