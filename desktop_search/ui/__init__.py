"""The Qt layer. onnxruntime is imported here, before any Qt module: on Windows the DLL search
order requires it, and the engine import also switches onnxruntime's telemetry off."""

import desktop_search.core.model.embed  # noqa: F401  (must precede PySide6)
