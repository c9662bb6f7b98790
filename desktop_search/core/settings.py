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
        """Build settings from stored JSON; unknown keys are ignored, and a bad value (of the
        wrong type, or one the field refuses) falls back to its default alone, with a log
        line that names it: the other settings are kept."""
        defaults = cls()
        values: dict[str, Any] = {}
        for item in dataclasses.fields(cls):
            if item.name not in data:
                continue
            value = data[item.name]
            default = getattr(defaults, item.name)
            if item.name == "exclude_patterns" and isinstance(value, list):
                value = tuple(str(p) for p in value)
            try:
                if not _same_kind(value, default):
                    raise ValueError(f"expected {type(default).__name__}")
                cls(**{item.name: value})  # the field's own checks
            except (TypeError, ValueError) as exc:
                log.warning("Setting %s=%r is not valid (%s); using %r", item.name, value, exc, default)
                continue
            values[item.name] = value
        return cls(**values)


def _same_kind(value: object, default: object) -> bool:
    """A stored value fits a field with this default (an int for a float, never a bool for a number)."""
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float))
    return isinstance(value, type(default))


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
