"""The HTTP tests here share the per-module school of tests/api/conftest.py."""

from __future__ import annotations

from tests.api.conftest import env

__all__ = ["env"]
