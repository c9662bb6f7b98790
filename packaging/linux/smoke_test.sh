#!/usr/bin/env bash
# Installs the .deb into a clean Debian (a fresh debootstrap chroot) and checks it as a user
# would meet it:
#
#     bash packaging/linux/smoke_test.sh [dist/desktop-search_<version>_<arch>.deb] [OUT_DIR]
#
# 1. apt installs the package and nothing but its declared dependencies;
# 2. every library the bundle links against resolves (no "not found" from ldd);
# 3. `desktop-search --self-test` passes, headless, as an ordinary user;
# 4. the installed app's window opens under Xvfb: a folder is indexed with the installed
#    command, the window is opened, a query typed with xdotool, a screenshot saved to OUT_DIR,
#    and a file created while the app runs is found by search (its folder watcher works);
# 5. nothing was written inside /opt/desktop-search.
# Also reports the package size and the time from launch to the window on screen.
# Needs root, debootstrap and a Debian mirror (http://deb.debian.org or $DEBIAN_MIRROR).
set -euo pipefail
cd "$(dirname "$0")/../.."

# shellcheck disable=SC2012  # the newest .deb in dist/ (names are ours)
DEB=$(realpath "${1:-$(ls -t dist/desktop-search_*.deb | head -1)}")
OUT=$(realpath -m "${2:-build/smoke}")
SUITE=${DEBIAN_SUITE:-bookworm}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
PRISTINE=build/debian-$SUITE-minbase.tar
ROOTFS=build/smoke-root
log() { printf '\n== %s\n' "$*"; }

if [ ! -f "$PRISTINE" ]; then
    log "Clean Debian $SUITE (debootstrap, once; kept as $PRISTINE)"
    rm -rf build/debootstrap-tmp
    debootstrap --variant=minbase "$SUITE" build/debootstrap-tmp "$MIRROR"
    tar -C build/debootstrap-tmp -cf "$PRISTINE" .
    rm -rf build/debootstrap-tmp
fi

cleanup() {
    # Whatever still runs inside the chroot (Xvfb, an app that did not quit) goes first.
    local root proc
    root=$(realpath -m "$ROOTFS")
    for proc in /proc/[0-9]*; do
        if [ "$(readlink "$proc/root" 2>/dev/null)" = "$root" ]; then kill "${proc#/proc/}" 2>/dev/null || true; fi
    done
    sleep 0.5
    for mount in dev proc sys; do
        if mountpoint -q "$ROOTFS/$mount"; then umount -R -l "$ROOTFS/$mount"; fi
    done
}
trap cleanup EXIT
cleanup
if grep -q " $(realpath -m "$ROOTFS")/" /proc/mounts; then
    echo "something is still mounted under $ROOTFS; not removing it" >&2; exit 1
fi
rm -rf --one-file-system "$ROOTFS" && mkdir -p "$ROOTFS" "$OUT"
tar -C "$ROOTFS" -xf "$PRISTINE"
mount -t proc proc "$ROOTFS/proc"
mount --rbind /sys "$ROOTFS/sys"
mount --rbind /dev "$ROOTFS/dev"
cp /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
in_root() { chroot "$ROOTFS" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin LANG=C.UTF-8 "$@"; }
as_user() { in_root su tester -s /bin/sh -c "cd ~ && $1"; }

log "Install $(basename "$DEB") ($(du -m "$DEB" | cut -f1) MB) with its declared dependencies only"
cp "$DEB" "$ROOTFS/tmp/package.deb"
in_root apt-get update -qq
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends /tmp/package.deb \
    >"$OUT/apt-install.log"
in_root dpkg -s desktop-search | grep -E '^(Status|Version|Installed-Size)'
in_root useradd --create-home --shell /bin/sh tester
touch "$ROOTFS/tmp/installed.stamp"

log "Every linked library resolves"
# As the bundle's launcher sets it up: its own folder first, then the system's.
# shellcheck disable=SC2016  # expanded inside the chroot
in_root sh -c 'cd /opt/desktop-search/_internal && find . -type f \( -name "*.so*" -o -perm -u+x \) |
    while read -r f; do LD_LIBRARY_PATH=/opt/desktop-search/_internal ldd "$f" 2>/dev/null |
        grep "not found" | sed "s|^|$f: |"; done' >"$OUT/ldd-missing.txt"
if [ -s "$OUT/ldd-missing.txt" ]; then
    awk '{print $2}' "$OUT/ldd-missing.txt" | sort | uniq -c
    # Optional plugins: the GTK theme (loaded only where GTK is, i.e. on GNOME).
    grep -v -E '/plugins/platformthemes/' \
        "$OUT/ldd-missing.txt" >"$OUT/ldd-missing-core.txt" || true
    if [ -s "$OUT/ldd-missing-core.txt" ]; then
        echo "missing for the app itself:"; cat "$OUT/ldd-missing-core.txt"; exit 1
    fi
    echo "only optional Qt plugins miss libraries (see $OUT/ldd-missing.txt)"
else
    echo "none missing"
fi

log "desktop-search --self-test (headless, as a user)"
as_user "desktop-search --self-test" | tee "$OUT/self-test.txt"

log "The window under Xvfb"
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    xvfb xdotool imagemagick x11-utils >/dev/null
if [ -x .venv/bin/python ]; then  # the screenshot script's sample folder (PDF, DOCX, XLSX, ...)
    .venv/bin/python -c 'import sys; sys.path.insert(0, ".ci"); from pathlib import Path
from screenshots import sample_documents; sample_documents(Path(sys.argv[1]))' "$ROOTFS/home/tester"
else
    mkdir -p "$ROOTFS/home/tester/Documents"
    echo "Banana bread: mash ripe bananas, add flour and sugar, bake an hour." \
        >"$ROOTFS/home/tester/Documents/banana-bread.txt"
fi
in_root chown -R tester: /home/tester
as_user "desktop-search index ~/Documents >/dev/null && desktop-search status"
in_root sh -c 'Xvfb :7 -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &'
sleep 1
# One session of the installed app, run as the user inside the chroot: launch -> window
# mapped (polled every 20 ms); with "use", a query typed and a screenshot, then a new file
# dropped into the watched folder must become searchable while the app runs (its watcher).
cat >"$ROOTFS/tmp/session.sh" <<'SESSION'
#!/bin/sh
set -eu
export DISPLAY=:7
start=$(date +%s%N)
desktop-search >/tmp/app.log 2>&1 &
window=
for _ in $(seq 1 300); do
    window=$(xdotool search --onlyvisible --name '^Desktop Search$' 2>/dev/null | head -1) || true
    [ -n "$window" ] && break
    sleep 0.02
done
[ -n "$window" ] || { echo "no window within 6 s"; cat /tmp/app.log; exit 1; }
echo "$1: window on screen $(( ($(date +%s%N) - start) / 1000000 )) ms after launch"
if [ "${2:-}" = use ]; then
    sleep 1
    xdotool windowfocus --sync "$window"
    xdotool type --delay 80 'bread recipe with bananas'
    sleep 2
    import -window root /tmp/installed-app.png
    echo "The quokka is a small marsupial that lives on Rottnest Island." >~/Documents/quokka.txt
    found=
    for _ in $(seq 1 60); do
        if desktop-search search --limit 1 'small marsupial on an island' | grep -q quokka.txt; then
            found=yes; break
        fi
        sleep 0.5
    done
    [ -n "$found" ] || { echo "a new file was not indexed by the running app"; cat /tmp/app.log; exit 1; }
    echo "a file created while the app runs was found by search (the watcher works)"
fi
desktop-search --quit
sleep 1
SESSION
chmod 755 "$ROOTFS/tmp/session.sh"
{
    # Cold: nothing of the app in the page cache (where the kernel lets us drop it).
    if sync && echo 3 >/proc/sys/vm/drop_caches 2>/dev/null; then
        as_user "/tmp/session.sh 'cold start (page cache dropped)'"
    fi
    as_user "/tmp/session.sh 'warm start' use"
} | tee "$OUT/window.txt"
cp "$ROOTFS/tmp/installed-app.png" "$OUT/installed-app.png"

log "Nothing written inside /opt/desktop-search"
written=$(in_root find /opt/desktop-search -newer /tmp/installed.stamp)
if [ -n "$written" ]; then
    echo "written inside the bundle:"; echo "$written"; exit 1
fi
echo "none"
log "Smoke test passed: $OUT"
