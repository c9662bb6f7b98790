"""Crafted bytes written to a file and read through ``extract``, as the workers read a user's file."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_search.core.extract import ExtractedDocument, ExtractionError, extract
from tests.fixtures import documents as docs

LIMIT = 50 * 1024 * 1024


def extract_written(folder: Path, name: str, data: bytes) -> ExtractedDocument:
    """What ``extract`` makes of ``data`` saved as ``folder/name``."""
    return extract(docs.write(folder, name, data), LIMIT)


def refused_written(folder: Path, name: str, data: bytes) -> ExtractionError:
    """The ``ExtractionError`` ``extract`` raises for ``data`` saved as ``folder/name``."""
    with pytest.raises(ExtractionError) as caught:
        extract_written(folder, name, data)
    return caught.value
