#!/usr/bin/env bash
# Builds "Desktop Search.app" and dist/desktop-search-<version>-macos-<arch>.dmg on a Mac:
#
#     bash packaging/macos/build.sh
#
# Signing and notarisation run when their credentials are in the environment:
#   CODESIGN_IDENTITY   "Developer ID Application: Name (TEAMID)": every nested binary is
#                       signed inside-out with the hardened runtime, then the app, then the dmg
#   NOTARY_PROFILE      a `xcrun notarytool store-credentials` profile: the dmg is submitted,
#                       waited for and stapled
# Without them the app is built unsigned (fine for testing on the build Mac).
# The standard onnxruntime wheel for macOS carries the CoreML execution provider.
set -euo pipefail
cd "$(dirname "$0")/../.."

PYTHON=${PYTHON:-python3}
VERSION=$("$PYTHON" -c 'import sys; sys.path.insert(0, "."); from desktop_search import __version__; print(__version__)')
ARCH=$(uname -m)
APP="build/dist/Desktop Search.app"
DMG="dist/desktop-search-$VERSION-macos-$ARCH.dmg"

# shellcheck source=packaging/build_env.sh
source packaging/build_env.sh

log "Icon"
iconset=build/icons/desktop-search.iconset
rm -rf "$iconset" && mkdir -p "$iconset"
for size in 16 32 128 256 512; do
    cp "resources/icons/png/desktop-search-$size.png" "$iconset/icon_${size}x${size}.png"
    cp "resources/icons/png/desktop-search-$((size * 2)).png" "$iconset/icon_${size}x${size}@2x.png"
done
iconutil -c icns "$iconset" -o build/icons/desktop-search.icns

log "PyInstaller"
# build.spec signs nothing itself here: signing happens below, inside-out.
env -u CODESIGN_IDENTITY DESKTOP_SEARCH_MODEL_DIR=build/model "$VENV/bin/pyinstaller" --noconfirm --clean \
    --log-level WARN --distpath build/dist --workpath build/pyinstaller build.spec

if [ -n "${CODESIGN_IDENTITY:-}" ]; then
    log "Signing (hardened runtime)"
    sign() {
        codesign --force --timestamp --options runtime \
            --entitlements packaging/macos/entitlements.plist --sign "$CODESIGN_IDENTITY" "$@"
    }
    # Inside-out: loose Mach-O files first (libraries, Qt plugins, Python extensions), then
    # framework bundles, then the app. Deepest paths first so a bundle is signed after its content.
    while IFS= read -r -d '' file; do
        if file -b "$file" | grep -q 'Mach-O'; then sign "$file"; fi
    done < <(find "$APP/Contents" -type f ! -path '*/_CodeSignature/*' -print0)
    while IFS= read -r framework; do
        sign "$framework"
    done < <(find "$APP/Contents" -type d -name '*.framework' | awk '{ print length, $0 }' | sort -rn | cut -d' ' -f2-)
    sign "$APP"
    codesign --verify --deep --strict --verbose=2 "$APP"
fi

log "Self-test of the built app"
rm -rf build/self-test-data
"$APP/Contents/MacOS/desktop-search" --data-dir build/self-test-data --self-test

log "Disk image"
staging=build/dmg
rm -rf "$staging" && mkdir -p "$staging" dist
cp -R "$APP" "$staging/"
ln -s /Applications "$staging/Applications"
rm -f "$DMG"
hdiutil create -volname "Desktop Search" -srcfolder "$staging" -fs HFS+ -format UDZO -ov "$DMG"
if [ -n "${CODESIGN_IDENTITY:-}" ]; then
    codesign --force --timestamp --sign "$CODESIGN_IDENTITY" "$DMG"
fi
if [ -n "${NOTARY_PROFILE:-}" ]; then
    log "Notarising"
    xcrun notarytool submit "$DMG" --keychain-profile "$NOTARY_PROFILE" --wait
    xcrun stapler staple "$DMG"
    spctl --assess --type open --context context:primary-signature --verbose=2 "$DMG"
fi
log "Built $DMG ($(du -m "$DMG" | cut -f1) MB)"
