"""Typed settings, stored as JSON in the data dir. Defaults live here and only here."""

from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_search.core.files import atomic_write

log = logging.getLogger(__name__)

PROVIDERS = ("auto", "cpu", "coreml", "cuda")
PRECISIONS = ("auto", "fp32", "int8")  # auto: the model's CPU choice on a CPU, fp32 on a GPU


@dataclass(frozen=True)
class Settings:
    """User settings. Folders to index are not here: they are roots in the database."""

    model: str = "bge-small-en-v1.5"
    provider: str = "auto"
    precision: str = "auto"
    threads: int = 0  # 0: choose from the CPU count
    max_file_size_mb: float = 20.0
    index_hidden_files: bool = False
    honour_ignore_files: bool = True  # .gitignore / .ignore
    rescan_interval_s: float = 3600.0
    exclude_patterns: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.provider not in PROVIDERS:
            raise ValueError(f"provider must be one of {', '.join(PROVIDERS)}, not {self.provider!r}")
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {self.precision!r}")
        if self.threads < 0:
            raise ValueError("threads must be 0 (automatic) or positive")
        if self.max_file_size_mb <= 0:
            raise ValueError("max_file_size_mb must be positive")

    @property
    def max_file_size_bytes(self) -> int:
        return int(self.max_file_size_mb * 1024 * 1024)

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["exclude_patterns"] = list(self.exclude_patterns)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Settings:
        """Build settings from stored JSON; unknown keys are ignored, bad values reset."""
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if "exclude_patterns" in values:
            values["exclude_patterns"] = tuple(str(p) for p in values["exclude_patterns"])
        try:
            return cls(**values)
        except (TypeError, ValueError) as exc:
            log.warning("Settings file has invalid values (%s); using defaults", exc)
            return cls()


def load_settings(path: Path) -> Settings:
    """Read settings; a missing or unreadable file gives the defaults (and a log line)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()
    except (OSError, ValueError) as exc:
        log.warning("Could not read settings %s (%s); using defaults", path, exc)
        return Settings()
    if not isinstance(raw, dict):
        return Settings()
    return Settings.from_json(raw)


def save_settings(path: Path, settings: Settings) -> None:
    """Write settings atomically (temp file + rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(settings.to_json(), indent=2)
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
