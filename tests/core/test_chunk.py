"""Chunk offsets round-trip to the exact source text; sizes and overlap hold."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop_search.core.chunk import TARGET_CHARS, chunk_text, content_hash

words = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=12)
documents = st.lists(
    st.one_of(words, st.sampled_from([" ", "\n", "\n\n", ". ", "\r\n", "\t", "é", "💡"])),
    max_size=600,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(documents)
def test_chunks_are_exact_slices_with_correct_lines(text: str) -> None:
    chunks = chunk_text(text)
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text
        assert chunk.text and not chunk.text[0].isspace() and not chunk.text[-1].isspace()
        assert chunk.line == text.count("\n", 0, chunk.start) + 1
        assert len(chunk.text) <= TARGET_CHARS
    starts = [c.start for c in chunks]
    assert starts == sorted(set(starts))


@settings(max_examples=200, deadline=None)
@given(documents)
def test_every_visible_character_is_in_some_chunk(text: str) -> None:
    covered = [False] * len(text)
    for chunk in chunk_text(text):
        for i in range(chunk.start, chunk.end):
            covered[i] = True
    assert all(covered[i] for i, ch in enumerate(text) if not ch.isspace())


def test_long_prose_gets_overlapping_chunks_cut_at_sentences() -> None:
    sentence = "The shock wave stands ahead of the blunt body at supersonic speed. "
    text = sentence * 60
    chunks = chunk_text(text)
    assert len(chunks) > 3
    for before, after in itertools.pairwise(chunks):
        assert after.start < before.end  # overlap
        assert before.text.endswith(".")  # cut after a sentence
    assert 500 <= len(chunks[0].text) <= TARGET_CHARS


def test_paragraph_break_is_preferred() -> None:
    first = "Alpha beta gamma. " * 30
    text = first + "\n\n" + "Delta epsilon. " * 40
    assert chunk_text(text)[0].end == len(first.rstrip())


def test_text_without_spaces_is_cut_hard() -> None:
    text = "x" * 2500
    chunks = chunk_text(text)
    assert "".join(c.text for c in chunks).count("x") >= 2500
    assert all(len(c.text) <= TARGET_CHARS for c in chunks)


def test_blank_text_has_no_chunks() -> None:
    assert chunk_text("") == [] and chunk_text(" \n\t\n ") == []


def test_bad_sizes_are_rejected() -> None:
    with pytest.raises(ValueError):
        chunk_text("abc", target_chars=100, overlap_chars=100)


def test_content_hash_is_stable_and_distinct() -> None:
    assert content_hash("abc") == content_hash("abc") != content_hash("abd")
    assert content_hash("\ud800 lone surrogate") != content_hash("x")
