"""Turn the PyInstaller folder into a .deb and a portable tarball.

    python packaging/linux/make_packages.py BUNDLE_DIR OUT_DIR

BUNDLE_DIR is ``build/dist/desktop-search`` (build.spec's output). Writes
``OUT_DIR/desktop-search_<version>_<arch>.deb`` (the app under /opt/desktop-search, the
``desktop-search`` command in /usr/bin, a menu entry and hicolor icons) and
``OUT_DIR/desktop-search-<version>-linux-<arch>.tar.xz`` (the same folder, run in place;
``install-desktop-entry.sh`` adds it to the user's menu). Needs ``dpkg-deb``.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from desktop_search import APP_ID, __version__  # noqa: E402

RESOURCES = ROOT / "resources"
INSTALL_DIR = f"/opt/{APP_ID}"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
DEB_ARCH = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "armhf"}
# What the bundle takes from the system rather than carrying (build.spec, FROM_THE_SYSTEM):
# glibc, the graphics stack that must match the user's display server and driver, fonts,
# glib and D-Bus, and the xcb and Wayland libraries of Qt's platform plugins (Qt >= 6.5
# needs libxcb-cursor0).
# packaging/linux/smoke_test.sh checks that every library resolves in a clean Debian
# after installing only these.
DEPENDS = (
    "libgl1",
    "libegl1",
    "libfontconfig1",
    "libfreetype6",
    "libglib2.0-0",
    "libdbus-1-3",
    "libzstd1",
    "libx11-6",
    "libx11-xcb1",
    "libxkbcommon0",
    "libxkbcommon-x11-0",
    "libxcb1",
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-image0",
    "libxcb-keysyms1",
    "libxcb-randr0",
    "libxcb-render-util0",
    "libxcb-render0",
    "libxcb-shape0",
    "libxcb-shm0",
    "libxcb-sync1",
    "libxcb-xfixes0",
    "libxcb-xinerama0",
    "libxcb-xkb1",
    "libwayland-client0",  # Qt's Wayland platform plugin, used in a Wayland session
    "libwayland-cursor0",
    "libwayland-egl1",
)
RECOMMENDS = ("xdg-utils",)  # opening and revealing files
DESCRIPTION = """\
Find your files by meaning, privately, on this computer
 Desktop Search indexes the folders you choose and finds files by what they
 mean, not only by their words. A tray icon keeps the index fresh; a search
 window shows ranked files with the matching passage highlighted. Everything
 runs locally: the embedding model ships with the app and nothing leaves the
 machine."""


def deb_arch() -> str:
    machine = platform.machine()
    return DEB_ARCH.get(machine, machine)


GLIBC_SYMBOL = re.compile(rb"GLIBC_(\d+)\.(\d+)")


def glibc_needed(bundle: Path) -> tuple[int, int]:
    """The newest glibc symbol version any ELF file of the bundle asks for."""
    newest = (2, 17)
    for path in bundle.rglob("*"):
        if not path.is_file() or path.is_symlink():
            continue
        with path.open("rb") as handle:
            if handle.read(4) != b"\x7fELF":
                continue
        # The version names are in the ELF's string table: no objdump needed.
        for major, minor in GLIBC_SYMBOL.findall(path.read_bytes()):
            newest = max(newest, (int(major), int(minor)))
    return newest


def control_file(version: str, arch: str, installed_kb: int, glibc: tuple[int, int]) -> str:
    """The .deb's DEBIAN/control."""
    depends = (f"libc6 (>= {glibc[0]}.{glibc[1]})", *DEPENDS)
    fields = {
        "Package": APP_ID,
        "Version": version,
        "Architecture": arch,
        "Maintainer": "Desktop Search developers <desktop-search@localhost>",
        "Installed-Size": str(installed_kb),
        "Depends": ", ".join(depends),
        "Recommends": ", ".join(RECOMMENDS),
        "Section": "utils",
        "Priority": "optional",
        "Description": DESCRIPTION,
    }
    return "".join(f"{key}: {value}\n" for key, value in fields.items())


# Refresh the menu and icon caches where the tools exist; never fail the install over them.
MAINTAINER_SCRIPT = """\
#!/bin/sh
set -e
if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database -q /usr/share/applications || true
fi
if command -v gtk-update-icon-cache >/dev/null 2>&1; then
    gtk-update-icon-cache -q -t /usr/share/icons/hicolor || true
fi
exit 0
"""

USER_INSTALL_SCRIPT = """\
#!/bin/sh
# Adds this unpacked Desktop Search to your applications menu (nothing is copied;
# run it again after moving the folder; remove with --remove).
set -e
here=$(cd "$(dirname "$0")" && pwd)
apps=${XDG_DATA_HOME:-$HOME/.local/share}/applications
icons=${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor/256x256/apps
if [ "${1:-}" = --remove ]; then
    rm -f "$apps/desktop-search.desktop" "$icons/desktop-search.png"
    echo "Removed Desktop Search from the menu."
    exit 0
fi
mkdir -p "$apps" "$icons"
cp "$here/share/icons/desktop-search-256.png" "$icons/desktop-search.png"
sed -e "s|^Exec=desktop-search|Exec=\\"$here/desktop-search\\"|" \\
    -e "s|^TryExec=desktop-search|TryExec=$here/desktop-search|" \\
    "$here/share/desktop-search.desktop" > "$apps/desktop-search.desktop"
echo "Desktop Search is in your applications menu."
"""


def _copy_bundle(bundle: Path, target: Path) -> None:
    shutil.copytree(bundle, target, symlinks=True)
    for path in target.rglob("*"):  # readable by every user, writable by none but root
        if path.is_symlink():
            continue
        mode = 0o755 if path.is_dir() or os.access(path, os.X_OK) else 0o644
        path.chmod(mode)


def _write(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)


def stage_deb(bundle: Path, stage: Path, version: str, arch: str) -> None:
    """Lay out the .deb's file tree under ``stage``."""
    _copy_bundle(bundle, stage / INSTALL_DIR.lstrip("/"))
    command = stage / "usr" / "bin" / APP_ID
    command.parent.mkdir(parents=True)
    command.symlink_to(f"{INSTALL_DIR}/{APP_ID}")
    share = stage / "usr" / "share"
    _write(share / "applications" / f"{APP_ID}.desktop", (RESOURCES / f"{APP_ID}.desktop").read_text())
    for size in ICON_SIZES:
        icon = share / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        icon.parent.mkdir(parents=True)
        shutil.copyfile(RESOURCES / "icons" / "png" / f"{APP_ID}-{size}.png", icon)
    scalable = share / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"
    scalable.parent.mkdir(parents=True)
    shutil.copyfile(RESOURCES / "icons" / f"{APP_ID}.svg", scalable)
    _write(
        share / "doc" / APP_ID / "copyright",
        "Desktop Search\nLicense: MIT\nBundled: Python, Qt (LGPLv3), PySide6 (LGPLv3), onnxruntime (MIT),\n"
        "hnswlib (Apache-2.0), tokenizers (Apache-2.0), PDFium (BSD-3 / Apache-2.0), and the\n"
        "embedding model named in resources/models/*/manifest.json (MIT or Apache-2.0).\n",
    )
    installed_kb = sum(p.stat().st_size for p in stage.rglob("*") if p.is_file() and not p.is_symlink())
    debian = stage / "DEBIAN"
    _write(debian / "control", control_file(version, arch, installed_kb // 1024 + 1, glibc_needed(bundle)))
    _write(debian / "postinst", MAINTAINER_SCRIPT, 0o755)
    _write(debian / "postrm", MAINTAINER_SCRIPT, 0o755)


def build_deb(bundle: Path, out_dir: Path, version: str = __version__, arch: str | None = None) -> Path:
    arch = arch or deb_arch()
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{APP_ID}_{version}_{arch}.deb"
    with tempfile.TemporaryDirectory(prefix="desktop-search-deb-") as scratch:
        stage = Path(scratch) / "root"
        stage_deb(bundle, stage, version, arch)
        subprocess.run(
            ["dpkg-deb", "--root-owner-group", "-Zxz", "--build", str(stage), str(target)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return target


def build_tarball(bundle: Path, out_dir: Path, version: str = __version__) -> Path:
    name = f"{APP_ID}-{version}-linux-{platform.machine()}"
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{name}.tar.xz"
    with tempfile.TemporaryDirectory(prefix="desktop-search-tar-") as scratch:
        top = Path(scratch) / name
        _copy_bundle(bundle, top)
        share = top / "share"
        _write(share / f"{APP_ID}.desktop", (RESOURCES / f"{APP_ID}.desktop").read_text())
        (share / "icons").mkdir()
        shutil.copyfile(
            RESOURCES / "icons" / "png" / f"{APP_ID}-256.png", share / "icons" / f"{APP_ID}-256.png"
        )
        _write(top / "install-desktop-entry.sh", USER_INSTALL_SCRIPT, 0o755)
        # GNU tar with a multi-threaded xz: Python's lzma takes minutes on one core.
        subprocess.run(
            ["tar", "--sort=name", "--owner=root:0", "--group=root:0", "-I", "xz -T0 -6",
             "-cf", str(target.resolve()), "-C", scratch, name],
            check=True,
        )  # fmt: skip
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bundle", type=Path, help="PyInstaller's output folder (build/dist/desktop-search)")
    parser.add_argument("out_dir", type=Path)
    args = parser.parse_args(argv)
    if not (args.bundle / APP_ID).is_file():
        parser.error(f"{args.bundle} holds no {APP_ID} program: run pyinstaller build.spec first")
    for built in (build_deb(args.bundle, args.out_dir), build_tarball(args.bundle, args.out_dir)):
        print(f"{built} ({built.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
