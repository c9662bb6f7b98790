"""The pipeline contains a file's failure at every stage: one file that breaks chunking, the
model or SQLite is marked failed with its reason, and every other file is indexed."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from desktop_search.core import indexer as indexer_module
from desktop_search.core.model.embed import Embedder
from desktop_search.core.paths import AppPaths
from desktop_search.core.store import Store
from tests.conftest import realdoc, run_cli

POISON = "zqxj-poison-marker"
GOOD = {
    "bread.txt": "Mash three ripe bananas with melted butter and bake the bread for an hour.",
    "taxes.txt": "Collect payslips and bank statements before the income tax filing deadline.",
    "garden.txt": "Prune the roses in late winter and water the tomatoes deeply twice a week.",
}


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name, text in GOOD.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "bad.txt").write_text(f"A note that breaks one stage: {POISON}.", encoding="utf-8")
    return folder


def _raising_for_poison(real: Callable[..., Any], error: Exception, texts_at: int) -> Callable[..., Any]:
    """A fault injected into a real stage: it raises ``error`` when the text it is handed
    holds the marker, and otherwise does the real work."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        texts = args[texts_at]
        if POISON in (texts if isinstance(texts, str) else " ".join(map(str, texts))):
            raise error
        return real(*args, **kwargs)

    return wrapper


def _check_contained(engine: Any, folder: Path, stage: str) -> None:
    report = engine.index(engine.add_roots([folder]))
    assert report.files_indexed == len(GOOD)
    problems = {Path(path).name: (status, reason) for path, status, reason in report.problems}
    assert list(problems) == ["bad.txt"]
    status, reason = problems["bad.txt"]
    assert status == "failed" and reason.startswith(f"could not be {stage}: ")
    top = engine.search("ripe bananas baked into bread").results[0]
    assert Path(top.path).name == "bread.txt"
    # Recorded, not retried on every run: the next run reads nothing again.
    again = engine.index()
    assert again.files_indexed == 0 and again.files_unchanged == len(GOOD) + 1


def test_a_file_that_breaks_chunking_is_failed_and_the_run_goes_on(
    engine_factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    breaking = _raising_for_poison(indexer_module.chunk_document, ValueError("bad offsets"), 0)
    monkeypatch.setattr(indexer_module, "chunk_document", breaking)
    _check_contained(engine_factory(), _folder(tmp_path), "split into passages")


def test_a_file_that_breaks_the_tokenizer_is_failed_and_the_run_goes_on(
    engine_factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The error tokenizers raised on testRTFVarious.rtf's lone surrogates.
    error = TypeError("TextEncodeInput must be Union[TextInputSequence, Tuple[InputSequence, InputSequence]]")
    monkeypatch.setattr(Embedder, "embed_passages", _raising_for_poison(Embedder.embed_passages, error, 1))
    _check_contained(engine_factory(), _folder(tmp_path), "embedded")


def test_a_file_sqlite_refuses_is_failed_and_the_run_goes_on(
    engine_factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = Store.replace_file_chunks

    def refusing(self: Store, root_id: int, path: str, *args: Any, **kwargs: Any) -> Any:
        chunks: Sequence[Any] = args[3]
        if any(POISON in c.chunk.text for c in chunks):
            raise sqlite3.IntegrityError("CHECK constraint failed")
        return real(self, root_id, path, *args, **kwargs)

    monkeypatch.setattr(Store, "replace_file_chunks", refusing)
    _check_contained(engine_factory(), _folder(tmp_path), "stored")


def test_a_broken_model_stops_the_run_without_failing_the_files(
    engine_factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # When the model fails on everything (a damaged model file), the files are not to blame:
    # they stay queued for the next run instead of being marked failed.
    def broken(self: Embedder, texts: Sequence[str], progress: object = None) -> Any:
        raise RuntimeError("onnxruntime: model file is damaged")

    monkeypatch.setattr(Embedder, "embed_passages", broken)
    engine = engine_factory()
    with pytest.raises(RuntimeError, match="damaged"):
        engine.index(engine.add_roots([_folder(tmp_path)]))
    assert engine.store.problem_files() == []
    assert engine.store.pending_count() == len(GOOD) + 1


def test_the_rtf_that_stopped_all_indexing_is_indexed_and_found(app_paths: AppPaths, tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "bad.txt").unlink()
    realdoc("testRTFVarious.rtf", folder)
    out = run_cli("index", str(folder), data_dir=app_paths.data_dir)
    assert out.returncode == 0, out.stderr
    assert f"Indexed {len(GOOD) + 1} files" in out.stdout and "not indexed" not in out.stdout
    found = run_cli("search", "\U00010332\U0001033f\U00010344\U00010339\U00010343\U0001033a", "--mode",
                    "keyword", data_dir=app_paths.data_dir)  # fmt: skip
    assert "testRTFVarious.rtf" in found.stdout.splitlines()[0]
