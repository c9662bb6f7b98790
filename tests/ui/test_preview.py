"""The preview pane's text: hard-wrapped prose reads as paragraphs (issue 22, bug 11)."""

from __future__ import annotations

from desktop_search.ui.preview import reflow

WRAPPED = (
    "The committee met on Tuesday to discuss the annual budget and\n"
    "the new library. Members raised concerns about the cost of the\n"
    "roads and asked for a second estimate."
)


def test_hard_wrapped_prose_becomes_one_paragraph_and_offsets_hold() -> None:
    text = WRAPPED + "\n\nA second paragraph, also wrapped at the same width by\nits author."
    flowed = reflow(text)
    assert len(flowed) == len(text)  # the shaded passage's offsets still point at its words
    first, second = flowed.split("\n\n")
    assert "\n" not in first and first.startswith("The committee met") and "budget and the new" in first
    assert second == "A second paragraph, also wrapped at the same width by its author."


def test_lists_code_verse_and_short_lines_keep_their_breaks() -> None:
    kept = [
        "Things to buy for the garden this spring, before the frost is over:\n- roses\n- tomatoes\n- a hose",
        "Steps for the installation of the new heating system in the cellar:\n1. drain\n2. fit",
        "def retry_with_backoff(call, attempts=5):\n    for attempt in range(attempts):\n        call()",
        "Roses are red\nViolets are blue\nSugar is sweet",
        "> quoted reply from an earlier message in this long thread of mail\n> and its second line",
        "| Year | Revenue | Cost of goods sold in the year |\n| 2024 | 1,450 | 900 |",
        "Line 01: the boat crossed the harbour at dawn with the tide.\nLine 02: a kingfisher dived.",
    ]
    for text in kept:
        assert reflow(text) == text
