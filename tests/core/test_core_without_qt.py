"""The core is usable without Qt, and the app never imports torch or optimum."""

from __future__ import annotations

import subprocess
import sys

from desktop_search.core.model.provision import ResolvedModel

CORE_MODULES = [
    "desktop_search.core.ann",
    "desktop_search.core.chunk",
    "desktop_search.core.embed",
    "desktop_search.core.engine",
    "desktop_search.core.extract",
    "desktop_search.core.indexer",
    "desktop_search.core.lock",
    "desktop_search.core.model",
    "desktop_search.core.model.download",
    "desktop_search.core.model.export",
    "desktop_search.core.scan",
    "desktop_search.core.search",
    "desktop_search.core.store",
    "desktop_search.cli",
]


def test_core_imports_with_pyside6_blocked() -> None:
    script = (
        "import sys\n"
        "sys.modules['PySide6'] = None  # any import of PySide6 now raises ImportError\n"
        "import importlib\n"
        f"for name in {CORE_MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "assert not any(m.startswith('PySide6') for m in sys.modules if sys.modules[m] is not None)\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_embedding_and_search_never_import_torch(offline_model: ResolvedModel, tmp_path) -> None:
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from desktop_search.core.embed import Embedder\n"
        "from desktop_search.core.model.manifest import read_manifest\n"
        "folder = Path(sys.argv[1])\n"
        "Embedder(folder, read_manifest(folder)).embed_query('hello')\n"
        "import os\n"
        "assert os.environ['ORT_DISABLE_TELEMETRY'] == '1'\n"
        "heavy = ('torch', 'optimum', 'transformers', 'sentence_transformers')\n"
        "heavy = [m for m in heavy if m in sys.modules]\n"
        "print(heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(offline_model.folder)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
