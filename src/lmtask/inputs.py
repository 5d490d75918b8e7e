"""Checks on what users pass in, shared by every layer (no torch).

>>> check_texts("one text")
['one text']
>>> check_texts(["a", 3])
Traceback (most recent call last):
...
lmtask.errors.InputError: text 1 is a int, not a string: 3
"""

from __future__ import annotations

from collections.abc import Iterable

from lmtask.errors import InputError


def check_texts(texts: Iterable[str] | str) -> list[str]:
    """A list of strings, or a clear error. A single string is one text."""
    if isinstance(texts, str):
        return [texts]
    out = list(texts)
    for i, t in enumerate(out):
        if not isinstance(t, str):
            raise InputError(f"text {i} is a {type(t).__name__}, not a string: {t!r:.60}")
    return out


__all__ = ["check_texts"]
