"""Text-like files: encoding detection, binary detection, titles."""

from __future__ import annotations

import codecs
import re

TEXT_EXTENSIONS = frozenset(
    """
    .txt .text .md .markdown .mdown .rst .org .adoc .asciidoc .tex .bib .log .csv .tsv .json
    .jsonl .ndjson .yaml .yml .toml .ini .cfg .conf .properties .env.example .xml .srt .vtt
    .py .pyi .pyx .ipynb .js .jsx .mjs .cjs .ts .tsx .java .kt .kts .scala .groovy .go .rs .c
    .h .cc .cpp .cxx .hpp .hh .hxx .cs .fs .swift .m .mm .rb .php .pl .pm .lua .r .jl .sh
    .bash .zsh .fish .ps1 .bat .cmd .sql .css .scss .sass .less .vue .svelte .dart .hs .ml
    .mli .ex .exs .erl .clj .cljs .el .vim .gradle .cmake .mk .proto .graphql .tf .nix .zig
    """.split()
)
TEXT_FILE_NAMES = frozenset(
    "readme license licence copying changelog changes authors notice todo makefile "
    "dockerfile vagrantfile gemfile rakefile procfile".split()
)

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CONTROL = bytes(set(range(32)) - {9, 10, 12, 13, 27})


def looks_binary(sample: bytes) -> bool:
    """NUL bytes, or more than 10 % control characters, in the sample."""
    if not sample:
        return False
    if b"\x00" in sample:
        return True
    controls = len(sample) - len(sample.translate(None, _CONTROL))
    return controls / len(sample) > 0.10


def _is_utf8_beyond_ascii(data: bytes) -> bool:
    """Valid UTF-8 with multi-byte characters: text in another 8-bit code page almost never is."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not data.isascii()


def _decoded_as(data: bytes, encoding: str | None) -> str | None:
    if not encoding:
        return None
    try:
        codecs.lookup(encoding)
        return data.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return None


def detect_encoding(data: bytes) -> str | None:
    """The code page of 8-bit text that is not UTF-8: Windows-1252 (the most common legacy
    default) unless it turns the text into chaos, else charset-normalizer's choice (cp866,
    cp1251, EBCDIC ...), the common Windows code page among equally good candidates.
    None when there is too little to go on."""
    from charset_normalizer import from_bytes
    from charset_normalizer.md import mess_ratio

    sample = data[:_DETECT_BYTES]
    if len(sample) - len(sample.translate(None, _HIGH_BYTES)) < _MIN_EVIDENCE:
        return None
    try:
        if mess_ratio(sample.decode("cp1252"), 1.0) <= _PLAUSIBLE_MESS:
            return "cp1252"
    except UnicodeDecodeError:
        pass
    matches = [m for m in from_bytes(sample) if not m.encoding.startswith(("utf_16", "utf_32"))]
    if not matches:
        return None
    best = matches[0]
    equally_good = [
        m for m in matches if m.chaos <= best.chaos + 0.01 and m.coherence >= best.coherence - 0.1
    ]
    return min(equally_good, key=lambda m: _PREFERRED.get(m.encoding, len(_PREFERRED))).encoding


_DETECT_BYTES = 256 * 1024
_HIGH_BYTES = bytes(range(128, 256))
_MIN_EVIDENCE = 8  # non-ASCII bytes needed before a detector's guess beats Windows-1252
_PLAUSIBLE_MESS = 0.25  # charset-normalizer's mess ratio: real text ~0-0.07, a wrong code page > 1
_PREFERRED = {
    name: rank
    for rank, name in enumerate(
        "cp1252 cp1251 cp1250 cp1256 cp1253 cp1254 cp1255 cp1257 cp1258 cp874 cp866 cp932 gb18030 "
        "gbk big5 cp949 euc_jp euc_kr koi8_r koi8_u iso8859_2 iso8859_5 iso8859_6 iso8859_7 "
        "iso8859_8 cp437 cp850 cp037 cp500".split()
    )
}


def decode_text(data: bytes, declared: str | None = None) -> str | None:
    """Decode by BOM; else by the ``declared`` charset (an HTML or XML document's own) unless the
    bytes are UTF-8 beyond ASCII; else UTF-8; else the detected code page; else Windows-1252.
    None if it looks binary. Line endings are kept as they are.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    if looks_binary(data[:8192]):
        return None
    if data.isascii():
        return data.decode("ascii")
    if _is_utf8_beyond_ascii(data):
        return data.decode("utf-8")
    for candidate in (declared, detect_encoding(data), "cp1252"):
        decoded = _decoded_as(data, candidate)
        if decoded is not None:
            return decoded
    return data.decode("latin-1")


_MD_HEADING = re.compile(r"^\s{0,3}#\s+(.+?)\s*#*\s*$", re.MULTILINE)
_ORG_TITLE = re.compile(r"^#\+title:\s*(.+)$", re.IGNORECASE | re.MULTILINE)
_RST_TITLE = re.compile(r"^(?:[=\-~#*]{3,}\n)?([^\n]+)\n[=\-~#*]{3,}\s*$", re.MULTILINE)


def guess_title(text: str, name: str) -> str | None:
    """A document title from Markdown, Org or reStructuredText headings, if present."""
    head = text[:4096]
    lower = name.lower()
    if lower.endswith((".md", ".markdown", ".mdown")):
        match = _MD_HEADING.search(head)
    elif lower.endswith(".org"):
        match = _ORG_TITLE.search(head)
    elif lower.endswith(".rst"):
        match = _RST_TITLE.search(head)
    else:
        return None
    return match.group(1).strip()[:200] if match else None
