"""Which processes are running, for tests that check a child process was ended (Linux)."""

from __future__ import annotations

from pathlib import Path

HAS_PROC = Path("/proc/self/cmdline").exists()


def processes_naming(text: str) -> list[int]:
    """Processes whose command line contains ``text`` (Linux: /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and text.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:  # gone meanwhile
            continue
    return found
