"""What the library tells a caller about a call (texts cut to the window, batch calibration
falling back to contextual): a warning, or, inside :func:`collected`, a record for the
calling thread or task only.

``warnings.catch_warnings`` is process-wide, so a server with several worker threads cannot
use it to learn which request was cut. A :func:`collected` block sets a context variable:
each thread (and each ``asyncio.to_thread`` call) has its own, so notices never cross.

>>> with collected() as seen:
...     notice("2 texts were cut", UserWarning)
>>> [n.message for n in seen]
['2 texts were cut']
"""

from __future__ import annotations

import contextlib
import contextvars
import warnings
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Notice:
    category: type[Warning]
    message: str


_SINK: contextvars.ContextVar[list[Notice] | None] = contextvars.ContextVar(
    "lmtask_notices", default=None
)


def notice(message: str, category: type[Warning], stacklevel: int = 1) -> None:
    """Record ``message`` if the caller collects notices, else warn (``stacklevel`` as for
    ``warnings.warn``, counted from the caller of ``notice``)."""
    sink = _SINK.get()
    if sink is not None:
        sink.append(Notice(category, str(message)))
        return
    warnings.warn(message, category, stacklevel=stacklevel + 1)


@contextlib.contextmanager
def collected() -> Iterator[list[Notice]]:
    """The notices raised in this thread (or task) inside the block, instead of warnings."""
    token = _SINK.set([])
    try:
        yield _SINK.get()  # type: ignore[misc]
    finally:
        _SINK.reset(token)


__all__ = ["Notice", "collected", "notice"]
