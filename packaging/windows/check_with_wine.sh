#!/usr/bin/env bash
# Checks the Inno Setup script on Linux: compiles it with the real Inno Setup compiler
# (npm package innosetup-compiler) under Wine, over a stand-in program folder, then installs
# the result silently into a 64-bit Windows 10 Wine prefix and uninstalls it, checking the
# per-user folder, the Start menu entry, the start-at-sign-in value and that the uninstaller
# removes all three.
#
#     bash packaging/windows/check_with_wine.sh
#
# Needs wine (wine64 + wine32), Xvfb, node/npm. The real installer is built on Windows by
# packaging/windows/build.ps1.
set -euo pipefail
cd "$(dirname "$0")/../.."

work=$(mktemp -d /tmp/ds-inno-XXXXXX)
trap 'wineserver -k 2>/dev/null || true; kill "$xvfb" 2>/dev/null || true; rm -rf "$work"' EXIT
export WINEDEBUG=-all WINEARCH=win64 WINEPREFIX="$work/prefix" DISPLAY=:58
Xvfb :58 -screen 0 1024x768x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
(cd "$work" && npm init -y >/dev/null && npm install --silent innosetup-compiler@6.3.1 >/dev/null)
wine winecfg -v win10 >/dev/null 2>&1

mkdir -p "$work/bundle" build/icons
echo "stand-in" >"$work/bundle/desktop-search.exe"
echo "stand-in" >"$work/bundle/desktop-search-cli.exe"
python3 packaging/windows/make_ico.py build/icons/desktop-search.ico >/dev/null
(cd packaging/windows && wine "$work/node_modules/innosetup-compiler/bin/ISCC.exe" /Q /DAppVersion=0.0.1 \
    "/DSourceDir=Z:$work/bundle" "/OZ:$work/out" desktop-search.iss)
setup=$(ls "$work"/out/desktop-search-0.0.1-windows-x64-setup.exe)
echo "compiled: $(basename "$setup") ($(du -k "$setup" | cut -f1) KB)"

run_key='HKCU\Software\Microsoft\Windows\CurrentVersion\Run'
user_dir="$WINEPREFIX/drive_c/users/$(id -un)"
app="$user_dir/AppData/Local/Programs/Desktop Search"
menu="$user_dir/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Desktop Search.lnk"
fail() { echo "FAILED: $*" >&2; exit 1; }

wine "$setup" /VERYSILENT /SUPPRESSMSGBOXES /CURRENTUSER /TASKS=startatlogin
{ [ -f "$app/desktop-search.exe" ] && [ -f "$app/unins000.exe" ]; } || fail "not installed per user in $app"
[ -f "$menu" ] || fail "no Start menu entry"
wine reg query "$run_key" /v desktop-search 2>/dev/null | grep -q 'desktop-search.exe" app --background' \
    || fail "no start-at-sign-in value"
echo "installed: per-user folder, Start menu entry, start at sign-in"

wine "$app/unins000.exe" /VERYSILENT /SUPPRESSMSGBOXES
sleep 2
[ ! -e "$app/desktop-search.exe" ] || fail "the uninstaller left the program"
[ ! -e "$menu" ] || fail "the uninstaller left the Start menu entry"
if wine reg query "$run_key" /v desktop-search >/dev/null 2>&1; then fail "the uninstaller left the Run value"; fi
echo "uninstalled: program, Start menu entry and Run value removed"
