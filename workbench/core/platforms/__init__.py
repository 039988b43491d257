"""Integration platforms that answer asynchronously: one module per vendor."""
