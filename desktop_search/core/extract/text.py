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


def decode_text(data: bytes) -> str | None:
    """Decode by BOM, else UTF-8, else Windows-1252/Latin-1; None if it looks binary.

    Line endings are kept as they are, so offsets stay those of the decoded file.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    if looks_binary(data[:8192]):
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
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
