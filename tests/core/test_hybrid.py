"""Hybrid ranking: exact words are never missed; phrases, exclusions, filters, names."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import pytest

from desktop_search.core.engine import Engine


def _names(response) -> list[str]:
    return [Path(r.path).name for r in response.results]


@pytest.fixture
def office(tmp_path: Path) -> Path:
    folder = tmp_path / "office"
    (folder / "Finance").mkdir(parents=True)
    (folder / "Support").mkdir()
    notes = {
        "Support/ticket-billing.txt": "Customer reports error code E4021 when billing retries a payment.",
        "Support/payment-failures.txt": "Payments fail at checkout; the billing service returns an error.",
        "Support/card-declined.txt": "A declined credit card makes the payment page show a billing error.",
        "Support/refunds.md": "# Refund policy\n\nRefunds for failed payments are issued within five days.",
        "Finance/quarterly-budget-review.txt": "Numbers went up in March and down in April.",
        "Finance/forecast.txt": "Revenue forecast for next year, draft version with optimistic numbers.",
        "Finance/forecast-final.txt": "Revenue forecast for next year, final version with careful numbers.",
        "Finance/notes.md": "# Meeting\n\nWe agreed the net income target; the gross margin is unclear.",
        "Finance/margins.md": "# Margins\n\nGross income and net margin both rose; income grew overall.",
    }
    for name, text in notes.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def engine(engine_factory, office: Path) -> Engine:
    engine = engine_factory()
    engine.index(engine.add_roots([office]))
    return engine


def test_a_rare_exact_code_ranks_its_file_first(engine: Engine) -> None:
    assert _names(engine.search("E4021"))[0] == "ticket-billing.txt"
    # Semantic near-misses about billing errors must not beat the file that has the code.
    assert _names(engine.search("billing error E4021"))[0] == "ticket-billing.txt"
    assert _names(engine.search("e4021 payment problem"))[0] == "ticket-billing.txt"


def test_dense_alone_can_miss_the_code_hybrid_cannot(engine: Engine) -> None:
    hybrid = _names(engine.search("billing error E4021", limit=3))
    assert hybrid[0] == "ticket-billing.txt"
    keyword = _names(engine.search("E4021", mode="keyword"))
    assert keyword == ["ticket-billing.txt"]


def test_quoted_phrase_is_required(engine: Engine) -> None:
    assert _names(engine.search('"net income"')) == ["notes.md"]
    assert "margins.md" in _names(engine.search("net income"))  # unquoted: both words, any order


def test_exclusion_removes_files(engine: Engine) -> None:
    names = _names(engine.search("revenue forecast -draft"))
    assert "forecast-final.txt" in names and "forecast.txt" not in names


def test_file_names_are_searchable(engine: Engine) -> None:
    assert _names(engine.search("quarterly budget review"))[0] == "quarterly-budget-review.txt"


def test_type_folder_and_date_filters(engine: Engine, office: Path) -> None:
    assert set(_names(engine.search("payments type:md"))) <= {"refunds.md", "notes.md", "margins.md"}
    assert _names(engine.search("payments type:md"))[0] == "refunds.md"
    in_finance = _names(engine.search("error in:Finance", limit=20))
    assert in_finance and all(n in {p.name for p in (office / "Finance").iterdir()} for n in in_finance)
    old = office / "Finance" / "forecast.txt"
    os.utime(old, (time.time(), time.mktime((2023, 6, 1, 12, 0, 0, 0, 0, -1))))
    engine.index()
    assert _names(engine.search("revenue forecast 2023")) == ["forecast.txt"]
    assert "forecast.txt" not in _names(engine.search("revenue forecast after:2024-01-01"))
    only_filters = _names(engine.search("type:md in:Support"))
    assert only_filters == ["refunds.md"]


def test_keyword_index_stays_in_step_with_chunks(engine: Engine, office: Path, app_paths) -> None:
    (office / "Support" / "refunds.md").unlink()
    (office / "Finance" / "notes.md").rename(office / "Finance" / "minutes.md")
    (office / "Finance" / "forecast.txt").write_text("Completely new text about warehouse logistics.")
    engine.index()
    engine.store.check_keyword_index()  # FTS5 integrity-check against the chunks and files tables
    db = sqlite3.connect(app_paths.database)
    assert db.execute("SELECT COUNT(*) FROM chunks_fts WHERE chunks_fts MATCH 'refunds'").fetchone()[0] == 0
    assert _names(engine.search("minutes"))[0] == "minutes.md"  # the new name is found
    assert _names(engine.search("warehouse logistics", mode="keyword")) == ["forecast.txt"]


def test_modes_answer_independently(engine: Engine) -> None:
    assert _names(engine.search("declined credit card", mode="dense"))[0] == "card-declined.txt"
    assert _names(engine.search("declined credit card", mode="keyword"))[0] == "card-declined.txt"
    assert engine.search("zzzqqq", mode="keyword").results == []


def test_more_like_this_a_file_or_a_passage(engine_factory, tmp_path: Path) -> None:
    folder = tmp_path / "kitchen"
    folder.mkdir()
    texts = {
        "banana-bread.md": "# Banana bread\n\nMash ripe bananas, mix with flour, butter and sugar, bake.",
        "muffins.md": "# Blueberry muffins\n\nStir flour, sugar and butter, add berries and bake in tins.",
        "car.txt": "Change the engine oil every ten thousand kilometres and check the tyre pressure.",
        "taxes.txt": "File the income tax return before April with receipts for deductions.",
    }
    for name, text in texts.items():
        (folder / name).write_text(text)
    engine = engine_factory()
    engine.index(engine.add_roots([folder]))
    searcher = engine.searcher()
    similar = [
        Path(r.path).name for r in searcher.more_like_this(path=str(folder / "banana-bread.md")).results
    ]
    assert similar[0] == "muffins.md" and "banana-bread.md" not in similar
    by_passage = searcher.more_like_this(passage="motor maintenance and servicing").results
    assert Path(by_passage[0].path).name == "car.txt"
    assert searcher.more_like_this(path=str(folder / "unknown.txt")).results == []
