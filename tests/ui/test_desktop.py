"""Open / reveal decisions per OS and the start-at-login entries (no OS calls made)."""

from __future__ import annotations

import os
import plistlib
import shlex
import sys
from pathlib import Path

import pytest

from desktop_search.ui import desktop


def test_programs_and_scripts_are_revealed_not_run(tmp_path: Path) -> None:
    script = tmp_path / "cleanup"
    script.write_text("#!/bin/sh\nrm -rf ~\n")
    script.chmod(0o755)
    document = tmp_path / "notes.txt"
    document.write_text("hello")
    for name in ("setup.exe", "run.bat", "install.sh", "tool.py", "Thing.app", "start.command", "x.desktop"):
        assert desktop.runs_when_opened(tmp_path / name), name
    if os.name == "posix":
        assert desktop.runs_when_opened(script)
    assert not desktop.runs_when_opened(document)
    assert not desktop.runs_when_opened(tmp_path / "report.pdf")


def test_open_path_reveals_an_executable(tmp_path: Path, monkeypatch) -> None:
    revealed: list[str] = []
    monkeypatch.setattr(desktop, "reveal_path", lambda path: revealed.append(path) or True)
    assert desktop.open_path(str(tmp_path / "setup.exe"))
    assert revealed == [str(tmp_path / "setup.exe")]


def test_reveal_commands_per_os(tmp_path: Path) -> None:
    target = tmp_path / "a b.pdf"
    assert desktop.reveal_command(target, "darwin") == ["open", "-R", str(target)]
    assert desktop.reveal_command(target, "win32") == ["explorer", f"/select,{target}"]
    assert desktop.reveal_command(target, "linux") is None  # D-Bus ShowItems, else the folder


def test_pdf_viewers_that_take_a_page_get_it() -> None:
    assert desktop.page_command("org.gnome.Evince.desktop\n", "/d/a.pdf", 3) == [
        "evince",
        "--page-index=3",
        "/d/a.pdf",
    ]
    assert desktop.page_command("org.kde.okular.desktop", "/d/a.pdf", 12) == [
        "okular",
        "--page",
        "12",
        "/d/a.pdf",
    ]
    assert desktop.page_command("firefox.desktop", "/d/a.pdf", 3) is None  # opened normally, no page


def test_login_item_files_per_os(tmp_path: Path) -> None:
    command = ["/opt/desktop-search/desktop-search", "app", "--background"]
    plist = plistlib.loads(desktop.autostart_entry(command, "darwin"))
    assert plist["ProgramArguments"] == command and plist["RunAtLoad"] is True
    assert desktop.autostart_file("darwin", tmp_path).name == f"{desktop.MAC_AGENT_LABEL}.plist"
    assert desktop.autostart_file("win32", tmp_path) is None
    entry = desktop.autostart_entry(command, "linux").decode()
    exec_line = next(line for line in entry.splitlines() if line.startswith("Exec="))
    assert shlex.split(exec_line[5:]) == command


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG autostart is Linux's")
def test_start_at_login_toggles_the_xdg_autostart_entry(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert not desktop.start_at_login_enabled()
    desktop.set_start_at_login(True)
    entry = tmp_path / "config" / "autostart" / "desktop-search.desktop"
    assert entry.exists() and desktop.start_at_login_enabled()
    assert "--background" in entry.read_text()
    desktop.set_start_at_login(False)
    assert not entry.exists() and not desktop.start_at_login_enabled()
