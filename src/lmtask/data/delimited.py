r"""CSV and TSV files: a header line, then rows of the same width; one-line errors.

A .tsv file is read the CSV way (quoted fields, inner quotes doubled, as pandas and
spreadsheets write it) when the whole file is valid that way, else as plain TSV, where a
quote is a character (``"Best" coffee ever`` keeps its quotes).

>>> import pathlib, tempfile
>>> p = pathlib.Path(tempfile.mkdtemp()) / "d.tsv"
>>> _ = p.write_text('text\tlabel\n"Best" coffee ever\tgreat\n')
>>> read_delimited(p, "\t", "utf-8")[1]
[{'text': '"Best" coffee ever', 'label': 'great'}]
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from lmtask.data.decoding import read_text
from lmtask.errors import InputError


def _even(text: str, quoting: int) -> bool:
    """Whether ``text`` parses as tab-separated rows of one width, quoting as given; quoted
    fields must be strict CSV (nothing after the closing quote)."""
    rows = csv.reader(io.StringIO(text, newline=""), delimiter="\t", quoting=quoting,
                      strict=True)  # fmt: skip
    try:
        widths = {len(f) for f in rows if any(x.strip() for x in f)}
    except csv.Error:
        return False
    return len(widths) <= 1


def _tsv_quoting(text: str) -> int:
    """How a .tsv file quotes: the CSV way (fields in double quotes, inner quotes doubled, as
    pandas and spreadsheets write TSV) when the whole file is valid that way; else plain TSV
    (a quote is a character: ``"Best" coffee`` keeps its quotes) if that reads evenly."""
    if _even(text, csv.QUOTE_MINIMAL) or not _even(text, csv.QUOTE_NONE):
        return csv.QUOTE_MINIMAL
    return csv.QUOTE_NONE


QUOTE_HINT = (
    "(a quote left open, or text right after a closing quote: quote a whole field "
    'that holds commas, quotes or newlines, and write a quote inside it as "")'
)


def check_csv(path: Path, delimiter: str = ",", encoding: str = "utf-8") -> None:
    """Read ``path`` once with strict CSV rules and raise an :class:`InputError` naming the
    line of the first quoting error (pyarrow's faster reader would merge the rows silently).

    >>> import tempfile, pathlib
    >>> bad = pathlib.Path(tempfile.mkdtemp()) / "b.csv"
    >>> _ = bad.write_text('text,id\\n"a",1\\n"b,2\\n"c",3\\n')
    >>> check_csv(bad)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    lmtask.errors.InputError: ...b.csv: line 4 is not valid CSV: ',' expected after '"' (a quote...
    """
    limit = csv.field_size_limit()
    csv.field_size_limit(2**31 - 1)  # a long field is not a quoting error
    try:
        with open(path, encoding=encoding, errors="replace", newline="") as f:
            reader = csv.reader(f, delimiter=delimiter, strict=True)
            for _ in reader:
                pass
    except csv.Error as e:
        raise InputError(f"{path}: line {reader.line_num} is not valid CSV: {e} "
                         f"{QUOTE_HINT}") from None  # fmt: skip
    finally:
        csv.field_size_limit(limit)


def read_delimited(path: Path, delimiter: str, encoding: str) -> tuple[list, list, list]:
    text = read_text(path, encoding)
    quoting = _tsv_quoting(text) if delimiter == "\t" else csv.QUOTE_MINIMAL
    # strict: a quote left open (or text after a closing quote) is an error, not rows merged
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quoting=quoting,
                        strict=quoting != csv.QUOTE_NONE)  # fmt: skip
    try:
        header = next(reader, None)
        while header is not None and not any(h.strip() for h in header):
            header = next(reader, None)
        if header is None:
            raise InputError(f"{path} is empty: it needs a header line and at least one row")
        header = [h.strip() for h in header]
        twice = sorted({h for h in header if header.count(h) > 1})
        if twice:
            names = ", ".join(map(repr, twice))
            raise InputError(
                f"{path}: the header names column(s) {names} more than once; rename them so "
                "each column has its own name"
            )
        rows, where = [], []
        for fields in reader:
            if not fields or not any(f.strip() for f in fields):
                continue
            if len(fields) != len(header):
                kind = "commas" if delimiter == "," else "tabs"
                raise InputError(
                    f"{path}: line {reader.line_num} has {len(fields)} fields but the header "
                    f"has {len(header)}; quote fields that contain {kind} or newlines"
                )
            rows.append(dict(zip(header, fields, strict=True)))
            where.append(f"line {reader.line_num}")
    except csv.Error as e:
        raise InputError(
            f"{path}: line {reader.line_num} is not valid CSV: {e} {QUOTE_HINT}"
        ) from e
    return header, rows, where
