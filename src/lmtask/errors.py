"""User-facing errors.

Every mistake a user can make (bad labels, unknown model, unreadable file) raises a
:class:`LmtaskError` subclass whose message says what is wrong and how to fix it. The CLI
prints the message on one line and exits with status 2: never a traceback.
"""

from __future__ import annotations


class LmtaskError(Exception):
    """Base class for errors caused by the user's input or environment, not by a bug."""


class TaskError(LmtaskError, ValueError):
    """A task is malformed: no labels, duplicate labels, bad template, unknown task name."""


class ModelNotFoundError(LmtaskError, LookupError):
    """An unknown model alias, or a packaged model whose package is not installed."""


class InputError(LmtaskError, ValueError):
    """Input data is unusable: unreadable file, unknown column, wrong type."""


class ArtifactError(LmtaskError):
    """An artifact folder that cannot be loaded: missing, corrupt, or for another model."""
