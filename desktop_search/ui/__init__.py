"""The Qt layer. Only this package imports PySide6."""
