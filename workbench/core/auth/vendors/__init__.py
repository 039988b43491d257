"""Vendor auth schemes, one module each, registered as `workbench.auth_schemes` entry points."""
