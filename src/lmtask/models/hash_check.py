"""Whether loaded artifacts check their base model's hash (off inside ``load(...,
check_model=False)``): members and heads that load their model themselves read it here.

>>> with model_checks(False):
...     checking_models()
False
>>> checking_models()
True
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

_CHECK_MODEL = contextvars.ContextVar("lmtask_check_model", default=True)


def checking_models() -> bool:
    """False while :func:`lmtask.artifacts.load` runs with ``check_model=False``: a
    cascade's members and an lm-features head skip their hash check too."""
    return _CHECK_MODEL.get()


@contextlib.contextmanager
def model_checks(on: bool) -> Iterator[None]:
    """Turn the base-model hash checks on or off for the code inside."""
    token = _CHECK_MODEL.set(on)
    try:
        yield
    finally:
        _CHECK_MODEL.reset(token)


__all__ = ["checking_models", "model_checks"]
