"""Warnings recorded per thread: what one served model's worker saw, never another's.

``warnings.catch_warnings`` swaps process-wide state: two worker threads using it at once
record each other's warnings, and when they exit out of order the process is left with a
stale recorder (later warnings vanish). :func:`captured` instead records the warnings raised
*in the calling thread* while it is open; other threads' warnings go where they went before.
lmtask's own warnings (texts cut to the window, batch calibration's fallback) are always
shown, not once per code location, so every request that triggers one is told.

>>> import warnings
>>> with captured() as seen:
...     warnings.warn("cut", UserWarning)
>>> [str(w.message) for w in seen]
['cut']
"""

from __future__ import annotations

import contextlib
import threading
import warnings
from collections.abc import Iterator
from typing import Any

_local = threading.local()
_install_lock = threading.Lock()
_shown_before: list[Any] = []  # the showwarning that was in place when the hook went in


def _show(message: Any, category: Any, filename: str, lineno: int, file: Any = None,
          line: str | None = None) -> None:  # fmt: skip
    records = getattr(_local, "records", None)
    if records is None:
        _shown_before[-1](message, category, filename, lineno, file, line)
        return
    records.append(warnings.WarningMessage(message, category, filename, lineno, file, line))


def _install() -> None:
    """Route ``warnings.showwarning`` through the per-thread recorder. Checked on every
    capture: a ``catch_warnings`` block elsewhere restores the function it found, which may
    take the hook out again."""
    from lmtask.engine.calibration import CalibrationWarning
    from lmtask.engine.prompting import TruncationWarning

    with _install_lock:
        if warnings.showwarning is not _show:
            _shown_before[:] = [warnings.showwarning]
            warnings.showwarning = _show
        for category in (TruncationWarning, CalibrationWarning):
            if not any(f[0] == "always" and f[2] is category for f in warnings.filters):
                warnings.filterwarnings("always", category=category)


@contextlib.contextmanager
def captured() -> Iterator[list[warnings.WarningMessage]]:
    """The warnings this thread raises inside the block (not shown elsewhere)."""
    _install()
    before = getattr(_local, "records", None)
    _local.records = records = []
    try:
        yield records
    finally:
        _local.records = before


__all__ = ["captured"]
