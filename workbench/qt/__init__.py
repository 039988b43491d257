"""The desktop app: thin Qt views and controllers over `workbench.core`. The only PySide6 user."""
