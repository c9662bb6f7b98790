#!/usr/bin/env bash
# Builds the Linux installers of Desktop Search here, in one command:
#
#     bash packaging/linux/build.sh
#
# -> dist/desktop-search_<version>_<arch>.deb and dist/desktop-search-<version>-linux-<arch>.tar.xz
#
# Steps: a build venv (build/venv-package) with hnswlib compiled for any CPU of this
# architecture, the model folder (packaging/prepare_model.py: bge-small-en-v1.5 from
# $DESKTOP_SEARCH_MODEL_SOURCE, a local Hugging Face folder, or downloaded when
# DESKTOP_SEARCH_FETCH_MODEL=1; otherwise the offline model), PyInstaller (build.spec),
# then the packages (packaging/linux/make_packages.py). Needs python3 (3.10+) with venv and
# dpkg-deb. `bash packaging/linux/smoke_test.sh` then installs the .deb into a clean Debian.
set -euo pipefail
cd "$(dirname "$0")/../.."

# shellcheck source=packaging/build_env.sh
source packaging/build_env.sh
"$VENV/bin/python" packaging/linux/check_portable.py

log "PyInstaller"
DESKTOP_SEARCH_MODEL_DIR=build/model "$VENV/bin/pyinstaller" --noconfirm --clean --log-level WARN \
    --distpath build/dist --workpath build/pyinstaller build.spec
# The built program, its bundled model only (an empty data dir: nothing of the builder's).
rm -rf build/self-test-data
build/dist/desktop-search/desktop-search --data-dir build/self-test-data --self-test

log "Packages"
"$VENV/bin/python" packaging/linux/make_packages.py build/dist/desktop-search dist
