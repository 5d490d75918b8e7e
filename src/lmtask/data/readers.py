"""Read labelled (or unlabelled) text from CSV, TSV, JSONL, Parquet, TXT or a saved HF dataset.

Every problem a user can cause (missing file, unknown column, empty labels, bad bytes)
raises :class:`lmtask.errors.InputError` with a message that says how to fix it.

>>> import pathlib, tempfile
>>> p = pathlib.Path(tempfile.mkdtemp()) / "reviews.csv"
>>> _ = p.write_text("review,sentiment\\nGreat food,positive\\nCold soup,negative\\n")
>>> data = read_table(p)
>>> data.texts, data.labels
(['Great food', 'Cold soup'], ['positive', 'negative'])
>>> data.guessed[0]
"using column 'review' as the text (pass text_column to choose)"
"""

from __future__ import annotations

import json
import math
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from lmtask.atomic import write_atomic
from lmtask.data.decoding import read_text
from lmtask.data.delimited import read_delimited
from lmtask.errors import InputError

TEXT_NAMES = (
    "text", "sentence", "review", "content", "code", "snippet", "body", "document",
    "message", "tweet", "comment", "question", "prompt", "input",
)  # fmt: skip
LABEL_NAMES = (
    "label", "labels", "sentiment", "class", "category", "target", "y", "topic", "intent",
)  # fmt: skip
TABLE_SUFFIXES = (".csv", ".tsv", ".jsonl", ".ndjson", ".parquet", ".txt")


@dataclass
class LabeledData:
    """Texts and (optionally) their labels, with where they came from."""

    texts: list[str]
    labels: list[str] | None
    source: str
    text_column: str | None = None
    label_column: str | None = None
    guessed: list[str] = field(default_factory=list)  # how columns were chosen
    notes: list[str] = field(default_factory=list)  # anything else worth telling the user
    # the file's other columns, row by row (ids to join results back on): what read_table saw
    extra: dict[str, list[str | None]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.texts)

    def label_counts(self) -> dict[str, int]:
        """Rows per label, most common first (empty for unlabelled data)."""
        return dict(Counter(self.labels or []).most_common())

    def subset(self, indices: Sequence[int]) -> LabeledData:
        """The rows at ``indices`` (same source and columns)."""
        labels = None if self.labels is None else [self.labels[i] for i in indices]
        extra = {c: [v[i] for i in indices] for c, v in self.extra.items()}
        return replace(self, texts=[self.texts[i] for i in indices], labels=labels, notes=[],
                       extra=extra)  # fmt: skip


def _lazy(module: str, what: str, pip: str) -> Any:
    try:
        return __import__(module, fromlist=["_"])
    except ImportError as e:
        raise InputError(
            f"{what} needs the '{pip}' package, which is not installed: "
            f"run `pip install {pip}` (or `pip install 'lmtask[data]'`)"
        ) from e


def _read_jsonl(path: Path, encoding: str) -> tuple[list, list, list]:
    columns: dict[str, None] = {}
    rows, where = [], []
    text = read_text(path, encoding)
    # split on "\n" only: str.splitlines would also break a line at U+0085, U+2028, ...,
    # which json.dumps(ensure_ascii=False) leaves inside strings
    for n, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise InputError(
                f"{path}: line {n} is not valid JSON ({e.msg} at column {e.colno}); each "
                "line of a .jsonl file must be one JSON object"
            ) from e
        if not isinstance(row, dict):
            raise InputError(
                f"{path}: line {n} is a JSON {type(row).__name__}, not an object "
                '(like {"text": "...", "label": "..."})'
            )
        columns.update(dict.fromkeys(row))
        rows.append(row)
        where.append(f"line {n}")
    return list(columns), rows, where


def _read_parquet(path: Path) -> tuple[list, list, list]:
    pq = _lazy("pyarrow.parquet", "reading Parquet", "pyarrow")
    try:
        table = pq.read_table(path)
    except Exception as e:
        raise InputError(f"{path} is not a readable Parquet file: {e}") from e
    rows = table.to_pylist()
    return list(table.column_names), rows, [f"row {i + 1}" for i in range(len(rows))]


def _read_hf_folder(path: Path) -> tuple[list, list, list]:
    if (path / "dataset_dict.json").is_file():
        splits = sorted(p.name for p in path.iterdir() if (p / "state.json").is_file())
        raise InputError(
            f"{path} holds several splits ({', '.join(splits)}); pass one split's folder, "
            f"e.g. {path / (splits[0] if splits else 'train')}"
        )
    datasets = _lazy("datasets", "reading a saved Hugging Face dataset", "datasets")
    try:
        ds = datasets.load_from_disk(str(path))
    except Exception as e:
        raise InputError(f"{path} is not a readable `save_to_disk` dataset folder: {e}") from e
    rows = ds.to_list()
    for name, feature in ds.features.items():  # class ids -> class names
        if type(feature).__name__ == "ClassLabel":
            for row in rows:
                if isinstance(row.get(name), int) and row[name] >= 0:
                    row[name] = feature.int2str(row[name])
    return list(ds.column_names), rows, [f"row {i + 1}" for i in range(len(rows))]


def _cell(value: Any) -> str | None:
    """A cell as text; None for missing values."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (str, int, float)):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def _textual(rows: list[dict], column: str) -> tuple[bool, float]:
    """Whether a column holds words (not only numbers); and its mean length."""
    values = [v for v in (r.get(column) for r in rows) if isinstance(v, str) and v.strip()]
    if not values or all(_is_number(v) for v in values):
        return False, 0.0
    return True, sum(map(len, values)) / len(values)


def _by_name(columns: list[str], names: Iterable[str], exclude: str | None) -> str | None:
    lower = {c.lower().strip(): c for c in reversed(columns) if c != exclude}
    return next((lower[n] for n in names if n in lower), None)


def _check_column(column: str, columns: list[str], path: Path, flag: str) -> None:
    if column not in columns:
        avail = ", ".join(repr(c) for c in columns)
        raise InputError(
            f"column {column!r} not found in {path}; available columns: {avail} "
            f"(pass one of them with {flag})"
        )


def _rows_list(where: list[str], bad: list[int]) -> str:
    shown = ", ".join(where[i] for i in bad[:5])
    return f"{shown}{', ...' if len(bad) > 5 else ''}"


def read_table(
    path: str | os.PathLike[str],
    text_column: str | None = None,
    label_column: str | None = None,
    encoding: str = "utf-8",
    need_labels: bool = True,
) -> LabeledData:
    """Read texts and labels from a file; guess the columns when they are not given.

    ``need_labels=False``: only the texts are wanted (classify, distill); a label column,
    even one with empty cells, is left out (``labels`` is None).

    Supported: ``.csv``, ``.tsv``, ``.jsonl``/``.ndjson``, ``.parquet`` (needs pyarrow),
    ``.txt`` (one text per line, no labels) and a ``save_to_disk`` folder (needs datasets).
    ``labels`` is None when no label column is given or found.
    """
    p = Path(path)
    if not p.exists():
        raise InputError(f"file not found: {p} (check the path; it is relative to {Path.cwd()})")
    suffix = p.suffix.lower()
    if p.is_dir():
        if not ((p / "state.json").is_file() or (p / "dataset_dict.json").is_file()):
            raise InputError(
                f"{p} is a folder but not a saved Hugging Face dataset (no state.json); "
                f"pass a file ending in {', '.join(TABLE_SUFFIXES)}"
            )
        columns, rows, where = _read_hf_folder(p)
    elif suffix == ".txt":
        if label_column is not None:
            raise InputError(
                f"{p} is a .txt file (one text per line), which has no labels; put labelled "
                "data in a .csv, .tsv or .jsonl file"
            )
        return read_lines(p, encoding=encoding)
    elif suffix in (".csv", ".tsv"):
        columns, rows, where = read_delimited(p, "," if suffix == ".csv" else "\t", encoding)
    elif suffix in (".jsonl", ".ndjson"):
        columns, rows, where = _read_jsonl(p, encoding)
    elif suffix == ".parquet":
        columns, rows, where = _read_parquet(p)
    else:
        raise InputError(
            f"don't know how to read {p.name!r} (extension {suffix or 'none'!r}); use one of "
            f"{', '.join(TABLE_SUFFIXES)} or a saved Hugging Face dataset folder"
        )
    if not rows:
        raise InputError(f"{p} has no rows: add at least one row below the header")

    guessed: list[str] = []
    if label_column is not None:
        _check_column(label_column, columns, p, "label_column")
    else:
        label_column = _by_name(columns, LABEL_NAMES, exclude=text_column)
        if label_column is not None:
            guessed.append(
                f"using column {label_column!r} as the label (pass label_column to choose)"
            )
        else:
            guessed.append(
                "no label column found (none is named label, sentiment, class, ...); reading "
                "the rows as unlabelled (pass label_column to choose)"
            )
    if text_column is not None:
        _check_column(text_column, columns, p, "text_column")
    else:
        text_column = _by_name(columns, TEXT_NAMES, exclude=label_column)
        why = ""
        if text_column is None:
            stats = {c: _textual(rows, c) for c in columns if c != label_column}
            candidates = {c: length for c, (ok, length) in stats.items() if ok}
            if not candidates:
                raise InputError(
                    f"no text column found in {p}: columns {', '.join(map(repr, columns))} hold "
                    "only numbers or are empty; pass text_column"
                )
            text_column = max(candidates, key=lambda c: candidates[c])
            if len(candidates) > 1:
                why = f" (the longest of {len(candidates)} text columns)"
        guessed.insert(
            0, f"using column {text_column!r} as the text{why} (pass text_column to choose)"
        )
    if text_column == label_column:
        raise InputError(
            f"the text and label column are both {text_column!r} in {p}; pass a different "
            "text_column and label_column"
        )

    texts = [_cell(r.get(text_column)) for r in rows]
    missing = [i for i, t in enumerate(texts) if t is None or not t.strip()]
    if missing:
        raise InputError(
            f"{p}: {len(missing)} row(s) have an empty text in column {text_column!r} "
            f"({_rows_list(where, missing)}); fill them in or delete those rows"
        )
    labels: list[str] | None = None
    if label_column is not None and need_labels:
        raw = [_cell(r.get(label_column)) for r in rows]
        labels = [(v or "").strip() for v in raw]
        empty = [i for i, v in enumerate(labels) if not v]
        if empty:
            raise InputError(
                f"{p}: {len(empty)} row(s) have an empty label in column {label_column!r} "
                f"({_rows_list(where, empty)}); fill them in or delete those rows"
            )
    kept = {text_column, label_column if need_labels else None}
    return LabeledData(
        texts=[t for t in texts if t is not None],
        labels=labels,
        extra={c: [_cell(r.get(c)) for r in rows] for c in columns if c not in kept},
        source=str(p),
        text_column=text_column,
        label_column=label_column if need_labels else None,
        guessed=guessed
        if need_labels
        else [g for g in guessed if "as the label" not in g and "no label column" not in g],
    )


def text_lines(text: str) -> list[str]:
    r"""The non-blank lines of ``text``. Only "\n" (and "\r\n") end a line: str.splitlines
    would also cut at U+2028, U+0085, ...

    >>> text_lines("a\r\n\nb\u2028c\n")
    ['a', 'b\u2028c']
    """
    return [line.rstrip("\r") for line in text.split("\n") if line.strip()]


def read_lines(path: str | os.PathLike[str], encoding: str = "utf-8") -> LabeledData:
    """A plain text file, one text per line (blank lines skipped); no labels."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"file not found: {p} (check the path; it is relative to {Path.cwd()})")
    texts = text_lines(read_text(p, encoding))
    if not texts:
        raise InputError(f"{p} is empty: write one text per line")
    return LabeledData(texts=texts, labels=None, source=str(p))


def majority_label(labels: Sequence[str], gold: Sequence[str]) -> str:
    """The most common gold label; ties go to the one first in ``labels``."""
    counts = Counter(gold)
    return max(labels, key=lambda lb: (counts[lb], -list(labels).index(lb)))


def check_labels(data: LabeledData, allowed_labels: Iterable[str]) -> None:
    """Raise InputError if ``data`` has no labels or labels outside ``allowed_labels``."""
    allowed = list(allowed_labels)
    if data.labels is None:
        raise InputError(
            f"{data.source} has no labels; pass label_column to name the column that holds them"
        )
    unknown = Counter(lab for lab in data.labels if lab not in set(allowed))
    if not unknown:
        return
    lower = {a.lower(): a for a in allowed}
    parts = []
    for lab, n in unknown.most_common():
        hint = f", did you mean {lower[lab.lower()]!r}?" if lab.lower() in lower else ""
        parts.append(f"{lab!r} ({n} row{'s' if n != 1 else ''}{hint})")
    raise InputError(
        f"{data.source}: {len(unknown)} label(s) are not labels of the task "
        f"({', '.join(map(repr, allowed))}): {'; '.join(parts)}. Rename them in the data, "
        "or use a task (or --labels) that has them"
    )


def write_jsonl(data: LabeledData, path: str | os.PathLike[str]) -> Path:
    """Write ``{"text", "label"}`` rows to ``path`` atomically (temp file, then rename)."""
    rows = []
    for i, text in enumerate(data.texts):
        row = {"text": text}
        if data.labels is not None:
            row["label"] = data.labels[i]
        rows.append(json.dumps(row, ensure_ascii=False) + "\n")
    p = write_atomic(path, "".join(rows))
    return p
