"""The typed status (``core/status.py``) and its one JSON form."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from desktop_search.core.status import IndexStatus, ModelStatus, ProviderStatus, Status, WatchStatus


def _status(watch: WatchStatus | None) -> Status:
    return Status(
        data_dir="/home/me/.local/share/desktop-search",
        roots=["/home/me/Documents"],
        files={"indexed": 3, "skipped": 1},
        chunks=7,
        model=ModelStatus("m", "m@abc", "hub", "int8", "faster", "user", "m", "m@abc", "int8", None, False),
        provider=ProviderStatus("auto", "CPUExecutionProvider", None, 2),
        index=IndexStatus({"m@abc": 7}, 7, 0, True, None, True),
        not_indexed={"encrypted": 1},
        partly_indexed={},
        watch=watch,
        pending=0,
        recovery=None,
    )


def test_to_json_is_plain_json_with_every_part_by_name() -> None:
    status = _status(WatchStatus(pid=4242, roots={"/home/me/Documents": "watching"}))
    data = status.to_json()
    assert json.loads(json.dumps(data)) == data  # nothing but JSON types
    assert set(data) == {field.name for field in dataclasses.fields(Status)}
    assert data["model"] == dataclasses.asdict(status.model) and data["model"]["variant"] == "int8"
    assert data["provider"]["active"] == "CPUExecutionProvider" and data["provider"]["threads"] == 2
    assert data["index"]["vectors"] == {"m@abc": 7} and data["index"]["ann_loaded_from_disk"] is True
    assert data["watch"] == {"pid": 4242, "roots": {"/home/me/Documents": "watching"}}
    assert _status(None).to_json()["watch"] is None  # nothing running: null, not a missing key


def test_an_engines_status_reads_by_attribute_and_serialises_alike(
    engine_factory, sample_folder: Path
) -> None:
    engine = engine_factory()
    engine.index(engine.add_roots([sample_folder]))
    status = engine.status()
    data = json.loads(json.dumps(status.to_json()))
    assert data["roots"] == status.roots == [str(sample_folder.resolve())]
    assert data["files"] == status.files and status.files["indexed"] == 4
    assert data["model"]["id"] == status.model.id and status.model.id in status.index.vectors
    assert data["index"]["ann_live"] == status.index.ann_live == status.chunks
    assert data["provider"]["active"] == status.provider.active
