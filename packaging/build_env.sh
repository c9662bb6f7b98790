# shellcheck shell=bash
# Sourced by the Unix build recipes (linux/build.sh, macos/build.sh): the build venv with
# hnswlib compiled for any CPU of this architecture, the app's dependencies and PyInstaller,
# and the model folder to ship in build/model. Sets VENV and log().
VENV=${DESKTOP_SEARCH_BUILD_VENV:-build/venv-package}
PYTHON=${PYTHON:-python3}
log() { printf '\n== %s\n' "$*"; }

if [ ! -x "$VENV/bin/python" ]; then
    log "Build venv $VENV"
    "$PYTHON" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check -q)

if ! "$VENV/bin/python" -c "import hnswlib" 2>/dev/null; then
    # Without this hnswlib's build adds -march=native: the binary would crash on older CPUs.
    # No cache: a wheel cached from a native build would be taken instead of compiling.
    log "hnswlib, compiled without -march=native"
    HNSWLIB_NO_NATIVE=1 "${PIP[@]}" install --no-cache-dir --no-binary hnswlib 'hnswlib>=0.8.0'
fi
log "Dependencies and PyInstaller"
"${PIP[@]}" install '.[export]' 'pyinstaller>=6.10'

log "Model folder"
"$VENV/bin/python" packaging/prepare_model.py build/model
