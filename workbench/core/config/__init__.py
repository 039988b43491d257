"""Connector configs: load Blueprint YAML into typed models, with positioned, plain-word errors."""

from workbench.core.config.loader import (
    LoadedConnector,
    bundled_connectors_dir,
    discover_connectors,
    load_connector,
    load_connector_text,
)
from workbench.core.config.model import Blueprint
from workbench.core.config.schema import connector_schema, write_schema

__all__ = [
    "Blueprint",
    "LoadedConnector",
    "bundled_connectors_dir",
    "connector_schema",
    "discover_connectors",
    "load_connector",
    "load_connector_text",
    "write_schema",
]
