"""Checksums and crash-safe writes (``core/files.py``)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_search.core.files import atomic_write, sha256_of


def test_sha256_of_matches_hashlib_across_block_boundaries(tmp_path: Path) -> None:
    data = os.urandom(3 * (1 << 20) + 17)  # three 1 MiB blocks and a tail
    (tmp_path / "big.bin").write_bytes(data)
    (tmp_path / "empty.bin").write_bytes(b"")
    assert sha256_of(tmp_path / "big.bin") == hashlib.sha256(data).hexdigest()
    assert sha256_of(tmp_path / "empty.bin") == hashlib.sha256(b"").hexdigest()
    with pytest.raises(FileNotFoundError):
        sha256_of(tmp_path / "missing.bin")


def test_atomic_write_replaces_the_whole_file_and_leaves_nothing_beside_it(tmp_path: Path) -> None:
    target = tmp_path / "settings.json"
    target.write_text("old contents, longer than the new ones")
    atomic_write(target, lambda tmp: tmp.write_text("new"))
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]
    if os.name == "posix":
        assert target.stat().st_mode & 0o777 == 0o600  # private by default
        atomic_write(target, lambda tmp: tmp.write_bytes(b"shared"), mode=0o644)
        assert target.stat().st_mode & 0o777 == 0o644 and target.read_bytes() == b"shared"


def test_a_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "index.hnsw"
    target.write_bytes(b"the saved index")

    def write_half_then_fail(tmp: Path) -> None:
        tmp.write_bytes(b"half of a new ind")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        atomic_write(target, write_half_then_fail)
    assert target.read_bytes() == b"the saved index"
    assert [p.name for p in tmp_path.iterdir()] == ["index.hnsw"]  # the temp file is gone too


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_a_process_killed_while_writing_leaves_the_old_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "index.hnsw"
    target.write_bytes(b"the saved index")
    script = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from desktop_search.core.files import atomic_write\n"
        "def write(tmp):\n"
        "    tmp.write_bytes(b'half of a new ind')\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "atomic_write(Path(sys.argv[1]), write)\n"
    )
    killed = subprocess.run([sys.executable, "-c", script, str(target)], timeout=60, check=False)
    assert killed.returncode == -9
    assert target.read_bytes() == b"the saved index"  # never half a file under the real name
