"""The HTTP tests here share the per-module school of tests/api/conftest.py."""

from __future__ import annotations

from tests.api.conftest import env, module_database_url

__all__ = ["env", "module_database_url"]
