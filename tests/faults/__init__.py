"""Fault-injection suite (placeholder docstring, replaced below)."""
