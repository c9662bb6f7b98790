"""Starting again from the user's files when the index database is damaged.

SQLite is the source of truth, but everything in it except the list of folders can be made
again from the files. The folders are mirrored in ``roots.json`` beside the database (and
read from the damaged file when it still can be). A damaged database is moved aside, never
deleted, a new one is made with the same folders, and the next scan rebuilds the index;
``status`` and the app say what happened and where the damaged file went.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

from desktop_search.core.files import atomic_write
from desktop_search.core.store import Store, salvage_roots

log = logging.getLogger(__name__)

ROOTS_FILE = "roots.json"
RECOVERY_KEY = "recovered_from_damage"


def save_roots_mirror(store: Store) -> None:
    """Keep a copy of the store's indexed folders beside it, outside the database."""
    text = json.dumps(sorted(path for _, path in store.roots()), indent=2)
    atomic_write(store.path.parent / ROOTS_FILE, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _mirrored_roots(data_dir: Path) -> list[str]:
    try:
        data = json.loads((data_dir / ROOTS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [str(p) for p in data if isinstance(p, str)] if isinstance(data, list) else []


def recover(database: Path, reason: str) -> Store:
    """Move the damaged database aside and start a new one with the same folders."""
    data_dir = database.parent
    roots = sorted(set(_mirrored_roots(data_dir)) | set(salvage_roots(database)))
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = database.with_name(f"{database.name}.damaged-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{database}{suffix}")
        if source.exists():
            os.replace(source, Path(f"{aside}{suffix}"))
    store = Store(database)
    for root in roots:
        store.add_root(root)
    message = (
        f"The index database was damaged ({reason}); it was moved to {aside.name} and the index "
        f"is being rebuilt from your {len(roots)} folder(s)."
    )
    store.set_meta(RECOVERY_KEY, json.dumps({"message": message, "moved_to": str(aside), "at": time.time()}))
    save_roots_mirror(store)
    log.warning("%s", message)
    return store


def recovery_notice(store: Store) -> dict[str, object] | None:
    """What ``recover`` recorded, for ``status`` and the app (None if nothing happened)."""
    raw = store.get_meta(RECOVERY_KEY)
    if raw is None:
        return None
    try:
        notice = json.loads(raw)
    except ValueError:
        return None
    return notice if isinstance(notice, dict) else None
