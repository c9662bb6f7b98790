"""The Linux packaging code: a .deb and a tarball built by dpkg-deb/tarfile from a bundle.

The bundle here is a small folder shaped like PyInstaller's output (a program and a
library); the full build and its install into a clean Debian are
packaging/linux/build.sh and smoke_test.sh (too slow for the test suite).
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from desktop_search import APP_ID, __version__

ROOT = Path(__file__).resolve().parents[2]


def _load(name: str, path: Path):  # the packaging scripts are not a package
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_packages = _load("make_packages", ROOT / "packaging" / "linux" / "make_packages.py")


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    """A folder shaped like PyInstaller's onedir output, with a real ELF library in it."""
    folder = tmp_path / "bundle" / APP_ID
    internal = folder / "_internal"
    internal.mkdir(parents=True)
    program = folder / APP_ID
    program.write_text("#!/bin/sh\necho desktop-search\n")
    program.chmod(0o700)
    shutil.copyfile(sys.executable, internal / "python-elf")
    (internal / "data.txt").write_text("data")
    return folder


def test_glibc_needed_reads_the_newest_symbol_version(bundle: Path) -> None:
    needed = make_packages.glibc_needed(bundle)
    assert needed >= (2, 17)
    # What the loader says this Python needs is covered by the answer.
    listing = subprocess.run(["objdump", "-T", sys.executable], capture_output=True, text=True).stdout
    versions = [tuple(map(int, v.split("."))) for v in __import__("re").findall(r"GLIBC_(\d+\.\d+)", listing)]
    if versions:
        assert needed >= max(versions)


@pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="needs dpkg-deb")
def test_deb_installs_the_app_under_opt_with_command_menu_entry_and_icons(
    bundle: Path, tmp_path: Path
) -> None:
    deb = make_packages.build_deb(bundle, tmp_path / "out", arch="amd64")
    assert deb.name == f"{APP_ID}_{__version__}_amd64.deb"

    fields = subprocess.run(["dpkg-deb", "-f", str(deb)], capture_output=True, text=True, check=True).stdout
    assert f"Package: {APP_ID}\n" in fields and f"Version: {__version__}\n" in fields
    depends = next(line for line in fields.splitlines() if line.startswith("Depends: "))
    assert "libxcb-cursor0" in depends and "libc6 (>= 2." in depends

    listing = subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True, check=True).stdout
    entries = {line.split()[5].lstrip("."): line for line in listing.splitlines()}
    assert entries[f"/opt/{APP_ID}/{APP_ID}"].startswith("-rwxr-xr-x root/root")
    assert entries[f"/opt/{APP_ID}/_internal/data.txt"].startswith("-rw-r--r-- root/root")
    assert f"-> /opt/{APP_ID}/{APP_ID}" in entries[f"/usr/bin/{APP_ID}"]
    assert f"/usr/share/applications/{APP_ID}.desktop" in entries
    for size in make_packages.ICON_SIZES:
        assert f"/usr/share/icons/hicolor/{size}x{size}/apps/{APP_ID}.png" in entries
    assert f"/usr/share/icons/hicolor/scalable/apps/{APP_ID}.svg" in entries

    unpacked = tmp_path / "unpacked"
    subprocess.run(["dpkg-deb", "-x", str(deb), str(unpacked)], check=True)
    desktop = (unpacked / "usr/share/applications" / f"{APP_ID}.desktop").read_text()
    assert "Exec=desktop-search\n" in desktop and f"Icon={APP_ID}\n" in desktop


def test_tarball_runs_in_place_and_can_add_itself_to_the_menu(bundle: Path, tmp_path: Path) -> None:
    tarball = make_packages.build_tarball(bundle, tmp_path / "out")
    with tarfile.open(tarball) as archive:
        names = archive.getnames()
        assert all(member.uid == 0 and member.uname == "root" for member in archive.getmembers())
        archive.extractall(tmp_path / "unpacked", filter="tar")
    top = tmp_path / "unpacked" / names[0].split("/")[0]
    assert subprocess.run([str(top / APP_ID)], capture_output=True, text=True).stdout == "desktop-search\n"

    data_home = tmp_path / "data-home"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_DATA_HOME": str(data_home)}
    subprocess.run(["sh", str(top / "install-desktop-entry.sh")], env=env, check=True, capture_output=True)
    entry = (data_home / "applications" / f"{APP_ID}.desktop").read_text()
    assert f'Exec="{top}/{APP_ID}"\n' in entry
    assert (data_home / "icons/hicolor/256x256/apps" / f"{APP_ID}.png").read_bytes()[:4] == b"\x89PNG"
    subprocess.run(
        ["sh", str(top / "install-desktop-entry.sh"), "--remove"], env=env, check=True, capture_output=True
    )
    assert not (data_home / "applications" / f"{APP_ID}.desktop").exists()


def test_desktop_entry_is_valid() -> None:
    validator = shutil.which("desktop-file-validate")
    if validator is None:
        pytest.skip("needs desktop-file-validate (desktop-file-utils)")
    checked = subprocess.run(
        [validator, str(ROOT / "resources" / f"{APP_ID}.desktop")], capture_output=True, text=True
    )
    assert checked.returncode == 0 and not checked.stdout.strip(), checked.stdout + checked.stderr
