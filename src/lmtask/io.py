"""Read texts to classify from a file: txt (one per line), CSV, TSV or JSONL.

>>> import pathlib, tempfile
>>> p = pathlib.Path(tempfile.mkdtemp()) / "t.txt"
>>> _ = p.write_text("first\\nsecond\\n")
>>> read_texts(p)
['first', 'second']
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from lmtask.errors import InputError

_TEXT_GUESSES = ("text", "sentence", "review", "content", "code", "snippet", "body")


def _pick(columns: list[str], column: str | None, path: Path) -> str:
    if column is not None:
        if column not in columns:
            raise InputError(f"{path}: no column {column!r}; columns are {columns}")
        return column
    for g in _TEXT_GUESSES:
        if g in columns:
            return g
    if len(columns) == 1:
        return columns[0]
    raise InputError(f"{path}: which column holds the text? pass --column (columns: {columns})")


def read_texts(path: str | Path, column: str | None = None) -> list[str]:
    """Texts from ``path``; CSV/TSV/JSONL take ``column`` (guessed when obvious)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"file not found: {p}")
    try:
        raw = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        line = p.read_bytes()[: e.start].count(b"\n") + 1
        raise InputError(f"{p}: line {line} is not valid UTF-8") from None
    suffix = p.suffix.lower()
    if suffix in (".csv", ".tsv"):
        rows = list(csv.DictReader(raw.splitlines(), delimiter="\t" if suffix == ".tsv" else ","))
        if not rows:
            raise InputError(f"{p}: no rows")
        col = _pick(list(rows[0].keys()), column, p)
        return [r[col] or "" for r in rows]
    if suffix in (".jsonl", ".ndjson"):
        out = []
        for i, line in enumerate(raw.splitlines(), 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                raise InputError(f"{p}: line {i} is not valid JSON") from None
            if isinstance(obj, str):
                out.append(obj)
                continue
            col = _pick(list(obj.keys()), column, p)
            out.append(str(obj[col]))
        return out
    return [line for line in raw.splitlines() if line.strip()]
