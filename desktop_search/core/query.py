"""The search box's small, forgiving query language.

    budget review "net income" -draft type:pdf in:Finance after:2025-01-01 last week

Plain words are searched by meaning and by keyword. ``"exact phrase"`` must appear in the
file; ``-word`` / ``-"phrase"`` must not. ``type:`` (an extension or a family: document,
spreadsheet, presentation, text, code, email, ebook), ``in:`` (a folder name anywhere on the
path), ``after:`` / ``before:`` (YYYY, YYYY-MM or YYYY-MM-DD) filter the results, and so do
unambiguous plain-language dates: today, yesterday, this/last week|month|year, a bare year
(2024), "in 2024", "since 2024". Parsing never fails: what is not understood is searched for.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace

from desktop_search.core.extract.clean import clean_text

TYPE_FAMILIES: dict[str, frozenset[str]] = {
    "document": frozenset({".pdf", ".doc", ".docx", ".odt", ".rtf", ".txt", ".md"}),
    "spreadsheet": frozenset({".xls", ".xlsx", ".ods", ".csv", ".tsv"}),
    "presentation": frozenset({".ppt", ".pptx", ".odp"}),
    "text": frozenset({".txt", ".md", ".markdown", ".rst", ".org", ".tex", ".log"}),
    "code": frozenset(
        ".py .js .ts .tsx .jsx .java .kt .go .rs .c .h .cpp .hpp .cs .rb .php .swift .sh .sql".split()
    ),
    "email": frozenset({".eml", ".mbox", ".msg"}),
    "ebook": frozenset({".epub"}),
    "web": frozenset({".html", ".htm", ".xhtml"}),
}
TYPE_ALIASES = {"docs": "document", "doc": ".doc", "sheet": "spreadsheet", "slides": "presentation",
                "mail": "email", "book": "ebook", "html": "web"}  # fmt: skip

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_OPERATOR = re.compile(r"^(type|ext|in|after|before|since|until):(.*)$", re.IGNORECASE)
_DATE = re.compile(r"^(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?$")
_WORDLIKE = re.compile(r"\w")
_YEAR = re.compile(r"^(19[7-9]\d|20\d\d|2100)$")


@dataclass(frozen=True)
class ParsedQuery:
    """A query taken apart. ``text`` is what is searched by meaning and by keyword."""

    raw: str
    text: str
    words: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    extensions: frozenset[str] = frozenset()
    folders: tuple[str, ...] = ()
    roots: tuple[str, ...] = ()  # absolute folders a result must be under (the app's filter)
    after: dt.datetime | None = None  # modified at or after
    before: dt.datetime | None = None  # modified before
    notes: tuple[str, ...] = field(default=())  # how odd parts were read, for the UI

    @property
    def has_filters(self) -> bool:
        return bool(self.extensions or self.folders or self.roots or self.after or self.before)

    @property
    def is_empty(self) -> bool:
        return not (self.text or self.phrases)


def _date_start(text: str) -> tuple[dt.datetime, dt.datetime] | None:
    """[start, end) of a YYYY, YYYY-MM or YYYY-MM-DD, or None if it is not a valid date."""
    match = _DATE.match(text.strip())
    if not match:
        return None
    try:
        year = int(match.group(1))
        if match.group(3):
            start = dt.datetime(year, int(match.group(2)), int(match.group(3)))
            return start, start + dt.timedelta(days=1)
        if match.group(2):
            month = int(match.group(2))
            start = dt.datetime(year, month, 1)
            end = dt.datetime(year + (month == 12), month % 12 + 1, 1)
            return start, end
        return dt.datetime(year, 1, 1), dt.datetime(year + 1, 1, 1)
    except ValueError:
        return None


def _relative_range(words: list[str], today: dt.date) -> tuple[int, dt.datetime, dt.datetime] | None:
    """A plain-language date at the start of ``words``: (words used, start, end)."""
    midnight = dt.datetime.combine(today, dt.time())
    first = words[0].lower()
    second = words[1].lower().strip(",.") if len(words) > 1 else ""
    if first == "today":
        return 1, midnight, midnight + dt.timedelta(days=1)
    if first == "yesterday":
        return 1, midnight - dt.timedelta(days=1), midnight
    if first in ("this", "last") and second in ("week", "month", "year"):
        back = first == "last"
        if second == "week":
            start = midnight - dt.timedelta(days=today.weekday()) - dt.timedelta(weeks=back)
            end = start + dt.timedelta(weeks=1)
        elif second == "month":
            year, month = (today.year, today.month - 1) if back else (today.year, today.month)
            if month == 0:
                year, month = year - 1, 12
            start = dt.datetime(year, month, 1)
            end = dt.datetime(year + (month == 12), month % 12 + 1, 1)
        else:
            start = dt.datetime(today.year - back, 1, 1)
            end = dt.datetime(today.year - back + 1, 1, 1)
        return 2, start, end
    if first in ("in", "during", "from", "since") and _YEAR.match(second):
        start = dt.datetime(int(second), 1, 1)
        end = dt.datetime.max if first == "since" else dt.datetime(int(second) + 1, 1, 1)
        return 2, start, end
    if _YEAR.match(first.strip(",.")) and int(first.strip(",.")) <= today.year + 1:
        year = int(first.strip(",."))
        return 1, dt.datetime(year, 1, 1), dt.datetime(year + 1, 1, 1)
    return None


def _extensions(value: str) -> frozenset[str]:
    found: set[str] = set()
    for part in value.lower().split(","):
        part = TYPE_ALIASES.get(part.strip(), part.strip())
        if not part:
            continue
        if part in TYPE_FAMILIES:
            found |= TYPE_FAMILIES[part]
        else:
            found.add(part if part.startswith(".") else f".{part}")
    return frozenset(found)


def parse_query(raw: str, today: dt.date | None = None) -> ParsedQuery:
    """Take a query apart; never raises, whatever the input (a pasted lone surrogate or
    control character included: the text is cleaned as a document's would be)."""
    today = today or dt.date.today()
    words: list[str] = []
    phrases: list[str] = []
    excluded: list[str] = []
    extensions: set[str] = set()
    folders: list[str] = []
    notes: list[str] = []
    after: dt.datetime | None = None
    before: dt.datetime | None = None

    def narrow(start: dt.datetime, end: dt.datetime | None) -> None:
        nonlocal after, before
        after = start if after is None else max(after, start)
        if end is not None and end != dt.datetime.max:
            before = end if before is None else min(before, end)

    cleaned = clean_text(raw.replace("\x00", " "))
    tokens = [(m.group(1), m.group(2), m.group(3)) for m in _TOKEN.finditer(cleaned)]
    position = 0
    while position < len(tokens):
        minus, quoted, bare = tokens[position]
        position += 1
        if quoted is not None:
            phrase = " ".join(quoted.split())
            if _WORDLIKE.search(phrase):  # a phrase of punctuation only would match nothing
                (excluded if minus else phrases).append(phrase)
            continue
        operator = _OPERATOR.match(bare)
        if operator and operator.group(2):
            name, value = operator.group(1).lower(), operator.group(2)
            if name in ("type", "ext"):
                extensions |= _extensions(value)
            elif name == "in":
                folders.append(value.strip("/\\"))
            else:
                span = _date_start(value)
                if span is None:
                    notes.append(f"not a date: {value}")
                    words.append(bare)
                elif name in ("after", "since"):
                    narrow(span[0], None)
                else:
                    before = span[0] if before is None else min(before, span[0])
            continue
        if bare.startswith("-") and len(bare) > 1:
            if _WORDLIKE.search(bare):
                excluded.append(bare[1:])
            continue
        rest = [bare] + [t[2] for t in tokens[position : position + 1] if t[2]]
        relative = _relative_range(rest, today)
        if relative is not None:
            used, start, end = relative
            narrow(start, end)
            position += used - 1
            continue
        words.append(bare)
    text = " ".join(words + phrases)
    return ParsedQuery(
        raw=raw, text=text, words=tuple(words), phrases=tuple(phrases), excluded=tuple(excluded),
        extensions=frozenset(extensions), folders=tuple(folders), after=after, before=before,
        notes=tuple(notes),
    )  # fmt: skip


@dataclass(frozen=True)
class SearchFilters:
    """Filters chosen outside the query text (the app's filter bar), added to what it says."""

    extensions: frozenset[str] = frozenset()  # ".pdf"; empty: any type
    roots: tuple[str, ...] = ()  # absolute folders; empty: anywhere
    after: dt.datetime | None = None
    before: dt.datetime | None = None

    @property
    def active(self) -> bool:
        return bool(self.extensions or self.roots or self.after or self.before)

    def apply(self, parsed: ParsedQuery) -> ParsedQuery:
        """The query narrowed by these filters (both must hold)."""
        if not self.active:
            return parsed
        extensions = parsed.extensions
        if self.extensions:
            extensions = extensions & self.extensions if extensions else self.extensions
            if not extensions:  # two type filters that exclude each other: nothing matches
                extensions = frozenset({"/"})  # no file name ends with a slash
        after = max((d for d in (parsed.after, self.after) if d is not None), default=None)
        before = min((d for d in (parsed.before, self.before) if d is not None), default=None)
        return replace(
            parsed, extensions=extensions, roots=parsed.roots + self.roots, after=after, before=before
        )
