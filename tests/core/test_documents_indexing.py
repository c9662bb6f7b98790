"""Documents through the whole engine: page numbers in results, every file a status, retry."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from desktop_search.core.paths import AppPaths
from tests.conftest import run_cli
from tests.fixtures import documents as docs

PAGES = [
    ["Annual report of the orchard cooperative.", "Members planted new trees this spring."],
    ["Weather was dry in June and July.", "Irrigation ran for sixty days."],
    ["The cider press broke down in September", "and a replacement part came from Normandy."],
    ["Accounts: revenue rose, costs fell.", "The board thanks all members."],
]


def _file_states(paths: AppPaths) -> dict[str, tuple[str, str | None]]:
    with sqlite3.connect(paths.database) as db:
        rows = db.execute("SELECT path, status, reason FROM files").fetchall()
    return {Path(path).name: (status, reason) for path, status, reason in rows}


def test_a_phrase_on_page_three_finds_that_page(engine_factory, app_paths: AppPaths, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    docs.write(folder, "orchard.pdf", docs.pdf_bytes(PAGES, title="Orchard report"))
    docs.write(folder, "other.txt", b"Notes about the garden and the weather in spring.")
    engine = engine_factory()
    engine.index(engine.add_roots([folder]))
    response = engine.search("cider press broke down")
    top = response.results[0]
    assert Path(top.path).name == "orchard.pdf"
    assert top.best.page == 3
    assert "cider press" in top.best.snippet
    engine.close()
    out = run_cli("search", "cider press broke down", data_dir=app_paths.data_dir)
    assert "orchard.pdf" in out.stdout.splitlines()[0] and "p. 3" in out.stdout


def test_every_format_and_fifty_hostile_files_each_get_a_status(
    engine_factory, app_paths: AppPaths, tmp_path: Path
) -> None:
    folder = tmp_path / "corpus"
    good = {
        "report.pdf": docs.pdf_bytes([["Solar panels on the roof."], ["Battery storage in the garage."]]),
        "letter.docx": docs.docx_bytes(["Dear landlord, the heating is broken."]),
        "deck.pptx": docs.pptx_bytes([("Roadmap", "Ship the beta in May", "mention the budget")]),
        "budget.xlsx": docs.xlsx_bytes({"2027": [["rent", 14400]]}),
        "essay.odt": docs.odt_bytes(["Open formats outlive their programs."]),
        "table.ods": docs.ods_bytes([["city", "Lyon"]]),
        "talk.odp": docs.odp_bytes(["Welcome to the talk"]),
        "book.epub": docs.epub_bytes([("One", "A ship sailed at dawn.")]),
        "memo.rtf": docs.rtf_bytes(["Remember the dentist on Tuesday."]),
        "mail.eml": docs.eml_bytes("Invoice 42", "Please pay by Friday."),
        "archive.mbox": docs.mbox_bytes([("Trip", "Train at nine.")]),
        "notes.md": b"# Notes\nBuy milk.",
    }
    hostile_makers = [
        lambda i: docs.encrypted_pdf_bytes([[f"secret {i}"]]),
        lambda i: docs.zip_bomb("word/document.xml", 20),
        lambda i: docs.docx_bytes([f"text {i}"])[: 500 + i],
        lambda i: docs.pdf_bytes([[f"page {i}"]])[: 40 + i],
        lambda i: os.urandom(2000 + i),
        lambda i: docs.billion_laughs_docx(),
        lambda i: docs.OLE_MAGIC + os.urandom(600),
        lambda i: docs.encrypted_office_bytes(docs.docx_bytes([f"x{i}"])),
        lambda i: b"{\\rtf1 " + b"{" * 5000 + b"deep",
        lambda i: b"",
    ]
    extensions = [".pdf", ".docx", ".docx", ".pdf", ".epub", ".docx", ".xls", ".xlsx", ".rtf", ".pptx"]
    for name, data in good.items():
        docs.write(folder, name, data)
    hostile = []
    for i in range(50):
        name = f"hostile-{i:02d}{extensions[i % 10]}"
        docs.write(folder, name, hostile_makers[i % 10](i))
        hostile.append(name)
    engine = engine_factory()
    report = engine.index(engine.add_roots([folder]))
    states = _file_states(app_paths)
    assert set(states) == set(good) | set(hostile)
    for name in good:
        assert states[name][0] == "indexed", (name, states[name])
    for name in hostile:
        status, reason = states[name]
        assert status in ("failed", "skipped", "encrypted", "indexed"), (name, status)
        assert status == "indexed" or reason, (name, status)
    statuses = {states[name][0] for name in hostile}
    assert {"failed", "skipped", "encrypted"} <= statuses
    assert report.files_indexed >= len(good)
    found = engine.search("heating is broken").results[0]
    assert Path(found.path).name == "letter.docx"


def test_retry_reads_problem_files_again_only_when_asked(
    engine_factory, app_paths: AppPaths, tmp_path: Path
) -> None:
    folder = tmp_path / "docs"
    locked = docs.write(folder, "locked.pdf", docs.encrypted_pdf_bytes([["secret"]]))
    engine = engine_factory()
    roots = engine.add_roots([folder])
    engine.index(roots)
    assert _file_states(app_paths)["locked.pdf"] == ("encrypted", "password-protected PDF")
    assert engine.index(roots).files_indexed == 0  # unchanged: not read again
    # The user removes the password (same size and mtime would still be re-read on retry).
    stat = locked.stat()
    locked.write_bytes(docs.pdf_bytes([["now readable"]]))
    os.utime(locked, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    report = engine.retry_problems()
    assert report.files_indexed == 1
    assert _file_states(app_paths)["locked.pdf"][0] == "indexed"
