"""Text files as text: a named encoding, and a clear refusal of binary files.

Every reader of a text file (CSV, TSV, JSONL, TXT, a whole file for ``generate``) goes
through :func:`read_text`, so a wrong encoding or a binary file gives the same one-line
:class:`~lmtask.errors.InputError`, naming the parameter (``encoding=``) that fixes it.

>>> import pathlib, tempfile
>>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
>>> _ = p.write_bytes("café\\n".encode("latin-1"))
>>> read_text(p, encoding="latin-1")
'café\\n'
>>> _ = p.write_bytes(b"\\x89PNG\\r\\n\\x1a\\n\\x00\\x00\\x00\\rIHDR")
>>> read_text(p)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
lmtask.errors.InputError: ...a.txt is a binary file (it holds NUL bytes), not text: ...
"""

from __future__ import annotations

import os
from pathlib import Path

from lmtask.errors import InputError

SNIFF_BYTES = 8192  # NUL bytes in the first 8 KiB mark a binary file
_WIDE = ("utf-16", "utf16", "utf-32", "utf32")  # encodings whose text holds NUL bytes
_BOMS = {b"\xff\xfe": "utf-16", b"\xfe\xff": "utf-16"}


def _normal(encoding: str) -> str:
    return encoding.lower().replace("_", "-")


def check_not_binary(raw: bytes, path: str | os.PathLike[str], encoding: str = "utf-8") -> None:
    """Refuse bytes that are not text in any 8-bit or UTF-8 encoding (they hold NUL bytes)."""
    if _normal(encoding).startswith(_WIDE) or b"\x00" not in raw[:SNIFF_BYTES]:
        return
    wide = next((enc for bom, enc in _BOMS.items() if raw.startswith(bom)), None)
    if wide is not None:
        raise InputError(
            f"{path} looks like {wide.upper()} text (it starts with a {wide} byte-order mark): "
            f"pass encoding='{wide}', or re-save the file as UTF-8"
        )
    raise InputError(
        f"{path} is a binary file (it holds NUL bytes), not text: give a .csv, .tsv, .jsonl "
        "or .txt file (a Parquet file needs the .parquet extension)"
    )


def decode(raw: bytes, path: str | os.PathLike[str], encoding: str = "utf-8") -> str:
    """``raw`` as text in ``encoding`` (a UTF-8 byte-order mark is dropped); InputError
    naming the line and byte that does not decode, or a binary file."""
    check_not_binary(raw, path, encoding)
    enc = "utf-8-sig" if _normal(encoding) in ("utf-8", "utf8") else encoding
    try:
        return raw.decode(enc)
    except LookupError as e:
        raise InputError(
            f"unknown encoding {encoding!r} for {path}: pass a Python codec name such as "
            "encoding='utf-8', 'latin-1' or 'cp1252'"
        ) from e
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise InputError(
            f"{path}: line {line} is not valid {encoding} (byte 0x{raw[e.start]:02x}); pass the "
            "file's real encoding, e.g. encoding='latin-1', or re-save the file as UTF-8"
        ) from e


def read_text(path: str | os.PathLike[str], encoding: str = "utf-8") -> str:
    """The whole file ``path`` as text; see :func:`decode`."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise InputError(
            f"file not found: {p} (check the path; it is relative to {Path.cwd()})"
        ) from None
    except OSError as e:
        raise InputError(f"cannot read {p}: {e.strerror or e}") from None
    return decode(raw, p, encoding)


__all__ = ["check_not_binary", "decode", "read_text"]
