"""Connection Workbench: find out why a connection won't authenticate."""

__version__ = "0.1.0"
