"""The operating system around the app: open and reveal files, start at login.

Opening a result never runs it: executables, scripts and app bundles are revealed in their
folder instead. Everything here is a thin, per-OS wrapper; the decisions (which command,
which file) are plain functions so tests can check them on any OS.
"""

from __future__ import annotations

import contextlib
import logging
import os
import plistlib
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QProcess, QUrl
from PySide6.QtGui import QDesktopServices

from desktop_search import APP_ID
from desktop_search.core.scan import os_paths

log = logging.getLogger(__name__)

EXECUTABLE_SUFFIXES = frozenset(
    ".exe .bat .cmd .com .msi .msix .scr .ps1 .vbs .js .jse .wsf .lnk .reg .cpl .jar .sh .bash .zsh "
    ".command .app .pkg .dmg .run .bin .appimage .desktop .py .pyw .pl .rb".split()
)
AUTOSTART_NAME = APP_ID  # file / registry value name
MAC_AGENT_LABEL = "org.desktop-search.app"

# PDF viewers that can open at a page, by their desktop file id: argv before the file.
_PAGE_ARGUMENTS: dict[str, Callable[[int], list[str]]] = {
    "org.gnome.Evince.desktop": lambda page: ["evince", f"--page-index={page}"],
    "evince.desktop": lambda page: ["evince", f"--page-index={page}"],
    "org.kde.okular.desktop": lambda page: ["okular", "--page", str(page)],
    "okularApplication_pdf.desktop": lambda page: ["okular", "--page", str(page)],
    "org.pwmt.zathura.desktop": lambda page: ["zathura", "--page", str(page)],
    "org.pwmt.zathura-pdf-mupdf.desktop": lambda page: ["zathura", "--page", str(page)],
}


def page_command(desktop_id: str, path: str, page: int) -> list[str] | None:
    """The command that opens ``path`` at ``page`` in the viewer ``desktop_id``, if it can."""
    make = _PAGE_ARGUMENTS.get(desktop_id.strip())
    return [*make(page), path] if make else None


def runs_when_opened(path: Path) -> bool:
    """Would the default 'open' run this file as a program? (Then it is revealed instead.)"""
    if path.suffix.lower() in EXECUTABLE_SUFFIXES:
        return True
    if os.name == "posix" and path.is_file():
        return os.access(path, os.X_OK)
    return False


def reveal_command(path: Path, platform: str = sys.platform) -> list[str] | None:
    """The command that shows ``path`` selected in the file manager (None: Linux, via D-Bus)."""
    if platform == "darwin":
        return ["open", "-R", str(path)]
    if platform == "win32":
        return ["explorer", f"/select,{path}"]
    return None


def _default_pdf_viewer() -> str:
    if not sys.platform.startswith("linux") or shutil.which("xdg-mime") is None:
        return ""
    try:
        found = subprocess.run(
            ["xdg-mime", "query", "default", "application/pdf"], capture_output=True, text=True, timeout=2
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return found.stdout.strip()


def on_disk(path: str) -> str:
    """The file system path of an indexed path (see ``scan.stored_path``)."""
    candidates = os_paths(path)
    return next((p for p in candidates if os.path.lexists(p)), candidates[0])


def exists(path: str) -> bool:
    """Is an indexed path still there (the index may be a moment behind a delete)?"""
    return os.path.lexists(on_disk(path))


def open_path(path: str, page: int | None = None) -> bool:
    """Open a file with its default app (at ``page`` where the viewer supports it);
    programs and scripts are revealed, never run. False when nothing could open it."""
    path = on_disk(path)
    target = Path(path)
    if runs_when_opened(target):
        log.info("Revealing instead of running %s", target.name)
        return reveal_path(path)
    if page and target.suffix.lower() == ".pdf":
        command = page_command(_default_pdf_viewer(), str(target), page)
        if command and QProcess.startDetached(command[0], command[1:])[0]:
            return True
    return bool(QDesktopServices.openUrl(QUrl.fromLocalFile(str(target))))


def reveal_path(path: str) -> bool:
    """Show the file selected in its folder (Finder, Explorer, or the freedesktop file manager)."""
    target = Path(on_disk(path))
    command = reveal_command(target)
    if command is not None:
        return bool(QProcess.startDetached(command[0], command[1:])[0])
    if _show_items_over_dbus(target):
        return True
    return bool(QDesktopServices.openUrl(QUrl.fromLocalFile(str(target.parent))))


def _show_items_over_dbus(target: Path) -> bool:
    """org.freedesktop.FileManager1.ShowItems (Nautilus, Dolphin, Nemo, Thunar, Caja...)."""
    try:
        from PySide6.QtDBus import QDBusConnection, QDBusInterface, QDBusMessage
    except ImportError:
        return False
    bus = QDBusConnection.sessionBus()
    if not bus.isConnected():
        return False
    manager = QDBusInterface(
        "org.freedesktop.FileManager1", "/org/freedesktop/FileManager1", "org.freedesktop.FileManager1", bus
    )
    if not manager.isValid():
        return False
    reply = manager.call("ShowItems", [QUrl.fromLocalFile(str(target)).toString()], "")
    return reply.type() != QDBusMessage.MessageType.ErrorMessage


# -- start at login ---------------------------------------------------------------------------
def launch_command() -> list[str]:
    """How to start this app in the background (the frozen binary, or this Python)."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "app", "--background"]
    return [sys.executable, "-m", "desktop_search", "app", "--background"]


def autostart_file(platform: str = sys.platform, home: Path | None = None) -> Path | None:
    """Where the login item lives (None on Windows: a registry value)."""
    home = home or Path.home()
    if platform == "darwin":
        return home / "Library" / "LaunchAgents" / f"{MAC_AGENT_LABEL}.plist"
    if platform == "win32":
        return None
    config = os.environ.get("XDG_CONFIG_HOME") or str(home / ".config")
    return Path(config) / "autostart" / f"{AUTOSTART_NAME}.desktop"


def autostart_entry(command: list[str], platform: str = sys.platform) -> bytes:
    """The login item's content: an XDG autostart entry or a LaunchAgent plist."""
    if platform == "darwin":
        agent = {"Label": MAC_AGENT_LABEL, "ProgramArguments": command, "RunAtLoad": True}
        return plistlib.dumps(agent)
    lines = [
        "[Desktop Entry]",
        "Type=Application",
        "Name=Desktop Search",
        "Comment=Keeps the search index of your folders fresh",
        f"Exec={shlex.join(command)}",
        f"Icon={APP_ID}",
        "Terminal=false",
        "X-GNOME-Autostart-enabled=true",
    ]
    return ("\n".join(lines) + "\n").encode()


def start_at_login_enabled() -> bool:
    if sys.platform == "win32":
        return _windows_run_value() is not None
    path = autostart_file()
    return path is not None and path.exists()


def set_start_at_login(enabled: bool) -> None:
    """Add or remove the login item; raises OSError when the system refuses."""
    command = launch_command()
    if sys.platform == "win32":
        _set_windows_run_value(subprocess.list2cmdline(command) if enabled else None)
        return
    path = autostart_file()
    assert path is not None
    if enabled:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(autostart_entry(command))
    else:
        path.unlink(missing_ok=True)


_RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"


def _windows_run_value() -> str | None:
    if sys.platform != "win32":
        return None
    import winreg

    try:
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, _RUN_KEY) as key:
            return str(winreg.QueryValueEx(key, AUTOSTART_NAME)[0])
    except OSError:
        return None


def _set_windows_run_value(command: str | None) -> None:
    if sys.platform != "win32":
        raise OSError("the Run key exists on Windows only")
    import winreg

    with winreg.OpenKey(winreg.HKEY_CURRENT_USER, _RUN_KEY, 0, winreg.KEY_SET_VALUE) as key:
        if command is None:
            with contextlib.suppress(FileNotFoundError):
                winreg.DeleteValue(key, AUTOSTART_NAME)
        else:
            winreg.SetValueEx(key, AUTOSTART_NAME, 0, winreg.REG_SZ, command)
