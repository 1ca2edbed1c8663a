"""The sandbox fixtures (``sandbox``, ``sandbox_factory``) for the sandbox's own tests.

Other test folders get them with ``pytest_plugins = ["govern.sandbox.pytest_plugin"]`` in the
root ``conftest.py``; here, importing them is enough.
"""

from govern.sandbox.pytest_plugin import pytest_configure, sandbox, sandbox_factory

__all__ = ["pytest_configure", "sandbox", "sandbox_factory"]
