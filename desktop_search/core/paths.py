"""Where Desktop Search keeps its state, resolved once.

Order: an explicit ``--data-dir``, then ``$DESKTOP_SEARCH_HOME``, then platformdirs.
Everything (settings, database, ANN cache, models, logs) lives under that one folder,
so a test or a second profile never touches the user's real data.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from desktop_search import APP_ID

ENV_HOME = "DESKTOP_SEARCH_HOME"


@dataclass(frozen=True)
class AppPaths:
    """All on-disk locations of one Desktop Search profile."""

    data_dir: Path

    @property
    def settings_file(self) -> Path:
        return self.data_dir / "settings.json"

    @property
    def database(self) -> Path:
        return self.data_dir / "index.sqlite3"

    @property
    def ann_dir(self) -> Path:
        return self.data_dir / "ann"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "logs" / "desktop-search.log"

    @property
    def lock_file(self) -> Path:
        return self.data_dir / "writer.lock"

    def ensure(self) -> None:
        """Create the data dir (private to the user on Unix) and its subfolders."""
        for folder in (self.data_dir, self.ann_dir, self.models_dir, self.log_file.parent):
            folder.mkdir(parents=True, exist_ok=True)
            if os.name == "posix":
                os.chmod(folder, 0o700)


def resolve_paths(data_dir: str | os.PathLike[str] | None = None) -> AppPaths:
    """Resolve the profile's data dir from the argument, the environment or platformdirs."""
    if data_dir is None:
        data_dir = os.environ.get(ENV_HOME) or None
    if data_dir is None:
        import platformdirs

        data_dir = platformdirs.user_data_dir(APP_ID, appauthor=False)
    return AppPaths(Path(data_dir).expanduser().resolve())


def bundled_resources_dir() -> Path:
    """The ``resources/`` folder: inside a PyInstaller bundle, or next to the package."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parent.parent.parent / "resources"
