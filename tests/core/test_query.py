"""The query language: operators, dates, and a parser that never throws."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from desktop_search.core.query import TYPE_FAMILIES, parse_query

TODAY = dt.date(2026, 11, 29)  # a Sunday


def test_plain_words_phrases_and_exclusions() -> None:
    parsed = parse_query('budget review "net income" -draft -"old numbers"', TODAY)
    assert parsed.words == ("budget", "review")
    assert parsed.phrases == ("net income",)
    assert parsed.excluded == ("draft", "old numbers")
    assert parsed.text == "budget review net income"
    assert not parsed.has_filters


def test_type_folder_and_explicit_dates() -> None:
    parsed = parse_query("report type:pdf,docx in:Finance after:2025-01 before:2025-03-15", TODAY)
    assert parsed.extensions == {".pdf", ".docx"}
    assert parsed.folders == ("Finance",)
    assert parsed.after == dt.datetime(2025, 1, 1) and parsed.before == dt.datetime(2025, 3, 15)
    assert parse_query("type:spreadsheet x").extensions == TYPE_FAMILIES["spreadsheet"]
    assert parse_query("ext:.MD x").extensions == {".md"}


def test_plain_language_dates() -> None:
    week = parse_query("notes last week", TODAY)
    assert (week.after, week.before) == (dt.datetime(2026, 11, 16), dt.datetime(2026, 11, 23))
    assert week.words == ("notes",)
    this_week = parse_query("this week", TODAY)
    assert this_week.after == dt.datetime(2026, 11, 23) and this_week.is_empty
    assert parse_query("yesterday", TODAY).after == dt.datetime(2026, 11, 28)
    month = parse_query("invoices last month", TODAY)
    assert (month.after, month.before) == (dt.datetime(2026, 10, 1), dt.datetime(2026, 11, 1))
    january = parse_query("x last month", dt.date(2026, 1, 10))
    assert (january.after, january.before) == (dt.datetime(2025, 12, 1), dt.datetime(2026, 1, 1))
    year = parse_query("tax return 2024", TODAY)
    assert (year.after, year.before, year.words) == (
        dt.datetime(2024, 1, 1),
        dt.datetime(2025, 1, 1),
        ("tax", "return"),
    )
    since = parse_query("photos since 2023", TODAY)
    assert since.after == dt.datetime(2023, 1, 1) and since.before is None


def test_numbers_that_are_not_years_stay_words() -> None:
    assert parse_query("error 404 page", TODAY).words == ("error", "404", "page")
    assert parse_query("room 1234", TODAY).words == ("room", "1234")
    assert parse_query("in the 3000 series", TODAY).after is None


def test_odd_input_is_searched_not_rejected() -> None:
    assert parse_query('"unterminated phrase', TODAY).phrases == ("unterminated phrase",)
    bad = parse_query("after:someday budget", TODAY)
    assert bad.after is None and "after:someday" in bad.words and bad.notes
    assert parse_query("type: in: -", TODAY).words == ("type:", "in:", "-")
    assert parse_query("", TODAY).is_empty and parse_query('""', TODAY).is_empty
    assert parse_query("after:2025-02-30 x", TODAY).after is None  # no such day
    assert parse_query('"..." -"!!" ---', TODAY).phrases == () and parse_query('"..." -"!!"').excluded == ()


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=200))
def test_parser_never_throws_and_keeps_its_promises(raw: str) -> None:
    parsed = parse_query(raw, TODAY)
    assert parsed.raw == raw
    assert all(p.strip() for p in parsed.phrases)
    assert all(e.startswith(".") for e in parsed.extensions)
    if parsed.after and parsed.before:
        assert isinstance(parsed.after, dt.datetime) and isinstance(parsed.before, dt.datetime)
    assert parsed.text == " ".join(parsed.words + parsed.phrases)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "type:",
                "in:",
                "after:",
                "before:",
                "-",
                '"',
                "last",
                "week",
                "2024",
                "x",
                "this",
                "month",
                ":",
                "since",
                "in",
                "year",
                "2024-13-01",
                "ext:",
            ]
        ),
        max_size=12,
    )
)
def test_parser_survives_operator_soup(parts: list[str]) -> None:
    parse_query(" ".join(parts), TODAY)
    parse_query("".join(parts), TODAY)


def test_a_pasted_lone_surrogate_or_control_character_is_cleaned_not_an_error() -> None:
    parsed = parse_query("tax\x00 return \ud800 forms\ufffe")
    parsed.text.encode("utf-8")  # strict: the tokenizer and SQLite take it
    assert parsed.words[:2] == ("tax", "return")
