"""Desktop Search: find your files by meaning, privately, on your own machine."""

import os as _os

# onnxruntime's official wheels send telemetry from native threads unless this is set
# before onnxruntime is first imported (see DESIGN.md). Every entry point imports this
# package first, so setting it here covers the CLI, the GUI and worker processes.
_os.environ["ORT_DISABLE_TELEMETRY"] = "1"

APP_NAME = "Desktop Search"
APP_ID = "desktop-search"
__version__ = "0.1.0"
