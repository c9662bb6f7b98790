"""The CLI contract, driven as a user (or an outside check) would: in a child process."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from desktop_search.core.model.provision import ResolvedModel
from desktop_search.core.paths import AppPaths
from tests.conftest import run_cli


def wait_until(condition: Callable[[], bool], deadline: float, what: str) -> None:
    """Ask ``condition`` again until it holds; fail naming ``what`` once ``deadline``
    (``time.monotonic()``) has passed. Each ask here is a CLI run: no sleep between them."""
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"


def test_index_search_status_round_trip(app_paths: AppPaths, sample_folder: Path) -> None:
    (sample_folder / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0")
    indexed = run_cli("index", str(sample_folder), data_dir=app_paths.data_dir)
    assert indexed.returncode == 0, indexed.stderr
    assert "Indexed 4 files" in indexed.stdout
    assert "skipped: " in indexed.stdout and "photo.jpg: unsupported file type (.jpg)" in indexed.stdout

    found = run_cli("search", "baking with bananas", "--json", "--limit", "3", data_dir=app_paths.data_dir)
    assert found.returncode == 0, found.stderr
    payload = json.loads(found.stdout)
    assert payload["query"] == "baking with bananas"
    assert len(payload["results"]) == 3
    top = payload["results"][0]
    assert {"path", "score", "snippet", "start", "end"} <= set(top)
    assert Path(top["path"]).name == "banana-bread.md"
    text = Path(top["path"]).read_text(encoding="utf-8")
    assert text[top["start"] : top["end"]] == top["snippet"]
    scores = [r["score"] for r in payload["results"]]
    assert scores == sorted(scores, reverse=True)

    status = run_cli("status", "--json", data_dir=app_paths.data_dir)
    info = json.loads(status.stdout)
    assert info["model"]["name"] == "all-MiniLM-L6-v2"
    assert info["provider"]["active"] == "CPUExecutionProvider"
    assert info["files"] == {"indexed": 4, "skipped": 1}
    assert info["roots"] == [str(sample_folder.resolve())]
    assert info["index"]["healthy"] and info["index"]["ann_live"] == info["chunks"]

    human = run_cli("search", "tax deadline", data_dir=app_paths.data_dir)
    assert "tax-return.txt" in human.stdout.splitlines()[0]


def test_search_stdin_answers_one_line_per_query(app_paths: AppPaths, sample_folder: Path) -> None:
    assert run_cli("index", str(sample_folder), data_dir=app_paths.data_dir).returncode == 0
    queries = ["garden roses", "", "exponential backoff", "naïve ünïcode 💡 query"]
    result = run_cli(
        "search", "--json", "--stdin", data_dir=app_paths.data_dir, stdin="\n".join(queries) + "\n"
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["query"] for line in lines] == queries
    assert Path(lines[0]["results"][0]["path"]).name == "garden.html"
    assert lines[1]["results"] == []
    assert Path(lines[2]["results"][0]["path"]).name == "retry.py"


def test_truncated_ann_file_is_rebuilt_and_search_still_answers(
    app_paths: AppPaths, sample_folder: Path
) -> None:
    assert run_cli("index", str(sample_folder), data_dir=app_paths.data_dir).returncode == 0
    (index_file,) = app_paths.ann_dir.glob("*.hnsw")
    index_file.write_bytes(index_file.read_bytes()[:100])
    result = run_cli("search", "bananas", "--json", data_dir=app_paths.data_dir)
    assert result.returncode == 0, result.stderr
    assert Path(json.loads(result.stdout)["results"][0]["path"]).name == "banana-bread.md"
    status = json.loads(run_cli("status", "--json", data_dir=app_paths.data_dir).stdout)
    assert status["index"]["healthy"] and status["index"]["ann_loaded_from_disk"]  # the rebuild was saved


def test_forget_removes_a_folder(app_paths: AppPaths, sample_folder: Path) -> None:
    assert run_cli("index", str(sample_folder), data_dir=app_paths.data_dir).returncode == 0
    forgot = run_cli("forget", str(sample_folder), data_dir=app_paths.data_dir)
    assert forgot.returncode == 0 and "4 files purged" in forgot.stdout
    result = run_cli("search", "bananas", "--json", data_dir=app_paths.data_dir)
    assert json.loads(result.stdout)["results"] == []


def test_data_dir_from_environment(
    app_paths: AppPaths, sample_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESKTOP_SEARCH_HOME", str(app_paths.data_dir))
    assert run_cli("index", str(sample_folder)).returncode == 0
    assert json.loads(run_cli("status", "--json").stdout)["data_dir"] == str(app_paths.data_dir)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["index", "/no/such/folder"], "is not a folder"),
        (["index"], "No folders to index"),
        (["search"], "Give a query"),
        (["forget", "/not/indexed"], "not an indexed folder"),
        (["search", "x", "--limit", "0"], "--limit must be positive"),
    ],
)
def test_user_errors_are_one_line_without_traceback(
    app_paths: AppPaths, args: list[str], message: str
) -> None:
    result = run_cli(*args, data_dir=app_paths.data_dir)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in result.stderr


def test_search_before_anything_is_indexed(tmp_path: Path) -> None:
    result = run_cli("search", "anything", data_dir=tmp_path / "fresh")
    assert result.returncode == 1 and "run `desktop-search index" in result.stderr


def test_locked_data_dir_is_reported(app_paths: AppPaths, sample_folder: Path) -> None:
    from desktop_search.core.lock import WriterLock

    lock = WriterLock(app_paths.lock_file)
    assert lock.acquire()
    try:
        result = run_cli("index", str(sample_folder), data_dir=app_paths.data_dir)
    finally:
        lock.release()
    assert result.returncode == 1 and f"pid {os.getpid()}" in result.stderr
    assert "Traceback" not in result.stderr


def test_model_list_and_import(tmp_path: Path, offline_model: ResolvedModel) -> None:
    from desktop_search.core.model.provision import offline_package_dir
    from desktop_search.core.model.registry import MINILM

    data_dir = tmp_path / "data"
    listed = run_cli("model", "list", data_dir=data_dir)
    assert "bge-small-en-v1.5" in listed.stdout and "not installed" in listed.stdout
    source = offline_package_dir(MINILM)
    imported = run_cli("model", "import", str(source), "--name", MINILM.name, data_dir=data_dir)
    assert imported.returncode == 0, imported.stderr
    assert "Installed all-MiniLM-L6-v2" in imported.stdout
    manifest = json.loads((data_dir / "models" / MINILM.name / "manifest.json").read_text())
    assert manifest["sha256"] == offline_model.manifest.sha256  # the same export path, byte for byte
    assert "installed (user" in run_cli("model", "list", data_dir=data_dir).stdout


def test_import_of_a_folder_that_is_not_a_model(tmp_path: Path) -> None:
    result = run_cli("model", "import", str(tmp_path), data_dir=tmp_path / "data")
    assert result.returncode == 1 and "not a Hugging Face model folder" in result.stderr


def test_watch_follows_changes_and_stops_cleanly_on_sigterm(app_paths: AppPaths, sample_folder: Path) -> None:
    import signal
    import subprocess
    import sys

    command = [sys.executable, "-m", "desktop_search", "--data-dir", str(app_paths.data_dir), "watch",
               str(sample_folder), "--quiet-seconds", "0.2"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60

        def top(query: str) -> str:
            result = run_cli("search", query, "--json", "--limit", "1", data_dir=app_paths.data_dir)
            found = json.loads(result.stdout)["results"] if result.returncode == 0 else []
            return Path(found[0]["path"]).name if found else ""

        wait_until(lambda: top("baking with bananas") == "banana-bread.md", deadline, "the first crawl")
        (sample_folder / "volcano.txt").write_text("Volcanoes erupt molten lava from the mantle.")
        wait_until(lambda: top("lava eruption") == "volcano.txt", deadline, "the new file to be indexed")
        status = json.loads(run_cli("status", "--json", data_dir=app_paths.data_dir).stdout)
        assert status["watch"]["pid"] == process.pid
        assert status["watch"]["roots"] == {str(sample_folder.resolve()): "watching"}
        stopped = time.monotonic()
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=15)
        assert process.returncode == 0, stderr
        assert time.monotonic() - stopped < 5
        assert "Watching: " in stderr and "Traceback" not in stderr
    finally:
        if process.poll() is None:
            process.kill()
    after = json.loads(run_cli("status", "--json", data_dir=app_paths.data_dir).stdout)
    assert after["watch"] is None and after["pending"] == 0
    assert after["index"]["ann_loaded_from_disk"] and after["index"]["healthy"]  # saved on the way out


def test_search_like_a_file(app_paths: AppPaths, sample_folder: Path) -> None:
    assert run_cli("index", str(sample_folder), data_dir=app_paths.data_dir).returncode == 0
    result = run_cli(
        "search", "--like", str(sample_folder / "tax-return.txt"), "--json", data_dir=app_paths.data_dir
    )
    assert result.returncode == 0, result.stderr
    names = [Path(r["path"]).name for r in json.loads(result.stdout)["results"]]
    assert "tax-return.txt" not in names and len(names) == 3


def test_query_syntax_through_the_cli(app_paths: AppPaths, sample_folder: Path) -> None:
    assert run_cli("index", str(sample_folder), data_dir=app_paths.data_dir).returncode == 0
    result = run_cli("search", "type:py in:code", "--json", data_dir=app_paths.data_dir)
    assert [Path(r["path"]).name for r in json.loads(result.stdout)["results"]] == ["retry.py"]
    result = run_cli("search", '"ripe bananas"', "--json", data_dir=app_paths.data_dir)
    assert [Path(r["path"]).name for r in json.loads(result.stdout)["results"]] == ["banana-bread.md"]
    result = run_cli("search", "baking bread -butter", "--json", data_dir=app_paths.data_dir)
    assert "banana-bread.md" not in [Path(r["path"]).name for r in json.loads(result.stdout)["results"]]
    weird = run_cli("search", 'after:2099 "unclosed -- type: in:', "--json", data_dir=app_paths.data_dir)
    assert weird.returncode == 0 and json.loads(weird.stdout)["results"] == []


def test_index_and_status_say_why_files_were_not_indexed(app_paths: AppPaths, sample_folder: Path) -> None:
    from tests.fixtures import documents as docs

    docs.write(sample_folder, "old-deck.ppt", docs.OLE_MAGIC + b"\0" * 600)
    docs.write(sample_folder, "locked.pdf", docs.encrypted_pdf_bytes([["secret plans"]]))
    docs.write(sample_folder, "scan.pdf", docs.pdf_bytes([[]]))  # a page with no text layer
    out = run_cli("index", str(sample_folder), data_dir=app_paths.data_dir)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert "2 files not indexed: 1 encrypted, 1 legacy format." in lines
    assert "1 file indexed in part: 1 no text layer." in lines
    status = run_cli("status", data_dir=app_paths.data_dir).stdout.splitlines()
    assert "Not read: 2 (1 encrypted, 1 legacy format)" in status
    assert "In part:  1 (1 no text layer)" in status
    listed = run_cli("status", "--failed", "--json", data_dir=app_paths.data_dir).stdout.splitlines()
    records = {Path(r["path"]).name: r for r in map(json.loads, listed)}
    assert set(records) == {"old-deck.ppt", "locked.pdf", "scan.pdf"}
    assert records["locked.pdf"]["kind"] == "encrypted" and records["locked.pdf"]["status"] == "encrypted"
    assert records["scan.pdf"]["reason"].startswith("no text layer")
    assert json.loads(run_cli("status", "--json", data_dir=app_paths.data_dir).stdout)["not_indexed"] == {
        "encrypted": 1,
        "legacy format": 1,
    }


def test_status_names_the_precision_a_switch_goes_to_and_the_old_index_file_goes(
    app_paths: AppPaths, sample_folder: Path
) -> None:
    # Issue 22, bug 9: after a precision change status said "switch to all-MiniLM-L6-v2" (the
    # name both variants share), and the old variant's .hnsw stayed in ann/ for good.
    from desktop_search.core.settings import Settings, load_settings, save_settings

    assert run_cli("index", str(sample_folder), data_dir=app_paths.data_dir).returncode == 0
    before = json.loads(run_cli("status", "--json", data_dir=app_paths.data_dir).stdout)["model"]
    other = "fp32" if before["variant"] == "int8" else "int8"
    settings = load_settings(app_paths.settings_file)
    save_settings(app_paths.settings_file, Settings(**{**settings.__dict__, "precision": other}))
    status = run_cli("status", data_dir=app_paths.data_dir).stdout
    assert (
        f"re-embedding needed: run `desktop-search index` to switch to {before['name']} ({other})" in status
    )
    assert f"Model:    {before['name']}, {before['variant']} (" in status
    assert run_cli("index", data_dir=app_paths.data_dir).returncode == 0
    after = json.loads(run_cli("status", "--json", data_dir=app_paths.data_dir).stdout)["model"]
    assert after["variant"] == other and not after["reembed_needed"]
    from desktop_search.core.ann import AnnIndex

    kept = AnnIndex(app_paths.ann_dir, after["id"], 1).index_file
    assert sorted(app_paths.ann_dir.glob("*.hnsw")) == [kept] and after["id"] != before["id"]


def test_moves_are_reported_and_odd_searches_say_what_is_wrong(
    app_paths: AppPaths, sample_folder: Path
) -> None:
    # Issue 22, bug 10, found trying the CLI as a user would.
    data = app_paths.data_dir
    assert run_cli("index", str(sample_folder), data_dir=data).returncode == 0
    (sample_folder / "tax-return.txt").rename(sample_folder / "taxes-2026.txt")
    (sample_folder / "garden.html").rename(sample_folder / "code" / "garden.html")
    again = run_cli("index", data_dir=data)
    assert "Indexed 0 files (2 unchanged, 2 moved, 0 removed)" in again.stdout, again.stdout
    missing = run_cli("search", "--like", str(sample_folder / "missing.txt"), data_dir=data)
    assert missing.returncode == 1 and "missing.txt is not in the index" in missing.stderr
    dashed = run_cli("search", "--json", "--", "-draft income tax", "--limit", "1", data_dir=data)
    assert dashed.returncode == 0, dashed.stderr
    answer = json.loads(dashed.stdout)
    assert answer["query"] == "-draft income tax" and [Path(r["path"]).name for r in answer["results"]] == [
        "taxes-2026.txt"
    ]
    words = run_cli("search", "--json", "--", "-draft", "income", "tax", data_dir=data)
    assert json.loads(words.stdout)["query"] == "-draft income tax"


def test_toggle_with_nothing_running_says_so_and_starts_nothing(tmp_path: Path) -> None:
    toggled = run_cli("--toggle", data_dir=tmp_path / "data", timeout=60)
    assert toggled.returncode == 1
    assert "Desktop Search is not running" in toggled.stderr
