"""Errors of the sandbox, all under ``govern.errors.GovernError``.

Write errors carry a ``code`` so that the servers can answer as the real API does (Graph's
``Request_BadRequest``, Confluence's 400/404) without parsing messages.
"""

from __future__ import annotations

from govern.errors import GovernError


class SandboxError(GovernError):
    """The sandbox cannot do what was asked (unknown size, broken state directory, ...)."""


class ScenarioError(SandboxError):
    """A scenario file is wrong; the message starts with ``file:line:column:``."""


class WriteRefused(SandboxError):
    """A write the real service would refuse; ``code`` says which rule (see ``writes``)."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


class NotFound(WriteRefused):
    """The target of a write does not exist (deleted group, unknown member, ...)."""

    def __init__(self, message: str) -> None:
        super().__init__("not_found", message)
