"""Nothing leaves the machine: checked at the OS level with strace, not a Python socket patch.

onnxruntime's wheels resolve and connect from native threads unless telemetry is off, so
only a system-call trace of the real processes can show that no connection is attempted.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_search.core.paths import AppPaths

# connect()/sendto() to an internet address, or to the name-service sockets that DNS uses.
NETWORK_CALL = re.compile(r"(connect|sendto)\(.*(AF_INET6?|nscd|resolve|:53\b|htons\(53\))")


def _traced(
    args: list[str], home: Path, log: Path, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache")}
    env.pop("ORT_DISABLE_TELEMETRY", None)  # the app must set it itself
    return subprocess.run(
        [
            "strace",
            "-f",
            "-qq",
            "-e",
            "trace=connect,sendto",
            "-o",
            str(log),
            sys.executable,
            "-m",
            "desktop_search",
            *args,
        ],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        check=False,
    )


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")
def test_index_and_search_make_no_network_calls(
    app_paths: AppPaths, sample_folder: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    data = ["--data-dir", str(app_paths.data_dir)]
    probe = _traced(["--version"], home, tmp_path / "probe.log")
    if probe.returncode != 0 and "ptrace" in (probe.stderr + probe.stdout):
        pytest.skip("ptrace is not permitted in this sandbox")
    calls: list[str] = []
    for name, args, stdin in (
        ("index", [*data, "index", str(sample_folder)], None),
        ("search", [*data, "search", "--json", "--stdin"], "bananas\ntaxes\n"),
        ("status", [*data, "status", "--json"], None),
    ):
        log = tmp_path / f"{name}.strace"
        result = _traced(args, home, log, stdin)
        assert result.returncode == 0, result.stderr
        trace = log.read_text(errors="replace")
        # Only traced calls and signals (the extraction workers ending) may appear.
        assert all(re.search(r"(connect|sendto)\(|--- SIG", line) for line in trace.splitlines()), trace
        calls += [line for line in trace.splitlines() if NETWORK_CALL.search(line)]
    assert calls == []
    # No telemetry caches or device ids left in the (fake) home folder.
    assert [p.relative_to(home) for p in home.rglob("*")] == []


def test_pattern_catches_real_network_calls() -> None:
    assert NETWORK_CALL.search(
        '1234 connect(5, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("1.2.3.4")}, 16) = -1'
    )
    assert NETWORK_CALL.search(
        '77 connect(3, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT'
    )
    assert NETWORK_CALL.search(
        '9 sendto(3, "\\x12\\x34", 40, MSG_NOSIGNAL, {sa_family=AF_INET6, sin6_port=htons(53)}, 28) = 40'
    )
    assert not NETWORK_CALL.search(
        '12 connect(4, {sa_family=AF_UNIX, sun_path="/tmp/desktop-search.sock"}, 110) = 0'
    )


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")
def test_a_gui_session_makes_no_network_calls(
    app_paths: AppPaths, sample_folder: Path, tmp_path: Path
) -> None:
    """The app as a user runs it (tray, window, indexing thread, extraction workers), a query
    typed into the window: no connection, no DNS look-up, nothing left in the home folder."""
    from desktop_search.core.engine import Engine

    home = tmp_path / "home"
    home.mkdir()
    with Engine.open_profile(app_paths) as engine:
        engine.add_roots([sample_folder])
    log = tmp_path / "gui.strace"
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "QT_QPA_PLATFORM": "offscreen",
    }
    env.pop("ORT_DISABLE_TELEMETRY", None)
    env.pop("XDG_RUNTIME_DIR", None)  # Qt's local socket goes to /tmp then: not the home folder
    result = subprocess.run(
        ["strace", "-f", "-qq", "-e", "trace=connect,sendto", "-o", str(log), sys.executable,
         "-m", "tests.ui.gui_session", str(app_paths.data_dir), "baking with ripe bananas"],
        capture_output=True, text=True, timeout=600, env=env, check=False, cwd=Path(__file__).parent.parent,
    )  # fmt: skip
    if result.returncode != 0 and "ptrace" in (result.stderr + result.stdout):
        pytest.skip("ptrace is not permitted in this sandbox")
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert "TOP " in result.stdout and result.stdout.split("TOP ")[1].strip().endswith("banana-bread.md")
    trace = log.read_text(errors="replace")
    assert "connect(" in trace  # the trace did see calls (the single-instance socket)
    assert [line for line in trace.splitlines() if NETWORK_CALL.search(line)] == []
    assert [p.relative_to(home) for p in home.rglob("*")] == []
