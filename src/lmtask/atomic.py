"""Crash-safe file writes: a temporary file in the same folder, then ``os.replace``.

A crash or kill at any moment leaves either the old file or the new one, never half of it.

>>> import pathlib, tempfile
>>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
>>> write_atomic(p, "hello\\n").read_text()
'hello\\n'
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from lmtask.errors import InputError


def _chmod_default(path: str) -> None:
    """Give a mkstemp file the permissions a plain ``open(path, "w")`` would (not 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[str]:
    """Yields a temporary file name next to ``path``; on success it replaces ``path``."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    os.close(fd)
    try:
        _chmod_default(tmp)
        yield tmp
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomic(path: str | os.PathLike[str], data: str | bytes) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` crash-safely, flushed to disk."""
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        f.write(data.encode("utf-8") if isinstance(data, str) else data)
        f.flush()
        os.fsync(f.fileno())
    return Path(path)


def check_writable_dir(path: str | os.PathLike[str], what: str = "output folder") -> Path:
    """Make sure ``path`` is a writable folder or can be made one, before any long work.

    Creates nothing: a missing folder is checked through its nearest existing parent.

    >>> check_writable_dir("/proc/no-such-folder")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    lmtask.errors.InputError: output folder /proc/no-such-folder is not writable: ...
    """
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise InputError(f"{what} {p} is a file; give a folder")
    probe = p.absolute()
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise InputError(f"{what} {p} cannot be made: {probe} is a file")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".lmtask-write-check.", dir=probe)
        os.close(fd)
        os.unlink(tmp)
    except OSError as e:
        raise InputError(f"{what} {p} is not writable: {e.strerror or e}") from None
    return p
