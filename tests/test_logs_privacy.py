"""Logs never contain document text, whatever happens to the documents."""

from __future__ import annotations

from pathlib import Path

from desktop_search.core.paths import AppPaths
from tests.conftest import run_cli
from tests.fixtures import documents as docs

MARKER = "Zqxj7731marker"


def test_logs_hold_no_document_text(app_paths: AppPaths, tmp_path: Path) -> None:
    folder = tmp_path / "private"
    docs.write(folder, "diary.txt", f"Dear diary, {MARKER} is my secret.".encode())
    docs.write(folder, "letter.docx", docs.docx_bytes([f"Confidential {MARKER} letter"]))
    docs.write(folder, "broken.docx", docs.docx_bytes([f"{MARKER} " * 400])[:3000])
    docs.write(folder, "report.pdf", docs.pdf_bytes([[f"{MARKER} on page one"]]))
    docs.write(folder, "cut.pdf", docs.pdf_bytes([[f"{MARKER} cut short"]])[:300])
    docs.write(folder, "mail.eml", docs.eml_bytes(f"About {MARKER}", f"Body {MARKER}"))
    docs.write(folder, "bad.rtf", f"not rtf {MARKER}".encode())
    docs.write(folder, "sheet.xlsx", docs.xlsx_bytes({MARKER: [[MARKER, MARKER]]})[:900])
    for command in (["-v", "index", str(folder)], ["-v", "search", MARKER], ["-v", "status"]):
        result = run_cli(*command, data_dir=app_paths.data_dir)
        assert result.returncode == 0, result.stderr
        assert MARKER not in result.stderr  # the console log
    logs = list((app_paths.data_dir / "logs").glob("*.log*"))
    assert logs and sum(p.stat().st_size for p in logs) > 0  # something was logged
    for log in logs:
        assert MARKER not in log.read_text(errors="replace"), log
