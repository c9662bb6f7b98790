"""The core is usable without Qt, and the app never imports torch or optimum."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import desktop_search
import desktop_search.core
from desktop_search.core.model.provision import ResolvedModel

# Every module of the core (found on disk, so a new one is covered too), and the CLI.
PACKAGE = Path(desktop_search.__file__).parent
CORE_MODULES = [
    *sorted(
        ".".join(("desktop_search", *path.relative_to(PACKAGE).with_suffix("").parts))
        for path in (PACKAGE / "core").rglob("*.py")
        if path.name != "__init__.py"
    ),
    "desktop_search.cli",
]


def test_the_list_holds_every_core_module() -> None:
    # Found another way (the import system's own walk of the package), so a change to how the
    # list is made cannot quietly leave modules out.
    walked = {
        info.name
        for info in pkgutil.walk_packages(desktop_search.core.__path__, "desktop_search.core.")
        if not info.ispkg
    }
    assert {"desktop_search.core.live", "desktop_search.core.watch"} <= walked
    assert walked <= set(CORE_MODULES)


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
        "from desktop_search.core.model.embed import Embedder\n"
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
