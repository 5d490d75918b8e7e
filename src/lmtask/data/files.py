"""Whole files as texts: a folder (recursively) or a glob, one text per file.

For classifying source files (``lmtask classify --task code-language --file src/``): each
file is one text. Hidden files and folders are skipped; a binary file is skipped with a note
rather than failing the whole run.

>>> import pathlib, tempfile
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "a.py").write_text("print(1)\\n"); _ = (d / "b.bin").write_bytes(b"\\x00\\x01")
>>> found, notes = read_files(str(d))
>>> [p.name for p, _ in found], len(notes)
(['a.py'], 1)
"""

from __future__ import annotations

import glob
import os
from pathlib import Path

from lmtask.data.decoding import read_text
from lmtask.errors import InputError

GLOB_CHARS = set("*?[")


def is_file_set(spec: str) -> bool:
    """Whether ``spec`` names whole files (a folder, a glob, or one file that is not a table:
    ``x.py``), not a table of texts.

    >>> is_file_set("src/**/*.py"), is_file_set("texts.csv"), is_file_set(__file__)
    (True, False, True)
    """
    from lmtask.data.readers import TABLE_SUFFIXES

    p = Path(spec)
    if p.is_file():
        return p.suffix.lower() not in TABLE_SUFFIXES
    return p.is_dir() or bool(GLOB_CHARS & set(spec))


def read_files(
    spec: str | os.PathLike[str], encoding: str = "utf-8"
) -> tuple[list[tuple[Path, str]], list[str]]:
    """([(path, text)] in sorted order, notes about skipped files) for a folder or a glob."""
    spec = str(spec)
    if Path(spec).is_dir():
        paths = [p for p in sorted(Path(spec).rglob("*"))
                 if p.is_file() and not any(part.startswith(".") for part in
                                            p.relative_to(spec).parts)]  # fmt: skip
    elif Path(spec).is_file():  # a file whose name has [ ] ? or * in it
        paths = [Path(spec)]
    else:
        paths = [Path(p) for p in sorted(glob.glob(spec, recursive=True)) if Path(p).is_file()]
    if not paths:
        raise InputError(f"no files match {spec!r}")
    found, notes = [], []
    for p in paths:
        try:
            found.append((p, read_text(p, encoding)))
        except InputError as e:
            notes.append(f"skipped {p}: {e}")
    if not found:
        raise InputError(f"none of the {len(paths)} files of {spec!r} could be read as text")
    return found, notes


__all__ = ["is_file_set", "read_files"]
