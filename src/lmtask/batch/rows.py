"""Predicting a table of rows: every input column kept, plus the prediction columns.

The columns added, after the input's own:

- ``label``: the predicted label (null when the row failed, or when the classifier answers
  "unknown", e.g. below ``min_confidence``);
- ``p_<label>``: one float64 probability column per label, named ``p_`` followed by the
  label exactly as written (``p_C++``, ``p_C#``, ``p_not spam``): Parquet takes any name,
  and two labels can never give the same column (a "safe" rewrite of ``C++`` and ``C#`` to
  ``p_C__`` would);
- ``error``: null, or why the row has no prediction (``empty text``, or the classifier's
  error for that row). A failing row never fails the job.

The same function runs in the local engine and in each Ray actor, so both give the same
output for the same rows.

>>> import pyarrow as pa
>>> from lmtask.ladder import classifier_for
>>> clf = classifier_for(None, task="code-language")      # the shipped n-gram detector
>>> rows = pa.table({"id": [1, 2], "code": ["SELECT name FROM users WHERE id = 1;", " "]})
>>> out = predict_table(clf, rows, "code")
>>> out.column_names[:5], out.column_names[-1]
(['id', 'code', 'label', 'p_Python', 'p_C'], 'error')
>>> out.column("label").to_pylist(), out.column("error").to_pylist()
(['SQL', None], [None, 'empty text'])
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from typing import Any

from lmtask.data.code.notcode import NotCodeWarning
from lmtask.errors import InputError

LABEL = "label"
ERROR = "error"
PREFIX = "p_"
EMPTY = "empty text"


def prob_column(label: str) -> str:
    """The probability column of ``label``: ``p_`` + the label as written."""
    return PREFIX + label


def added_columns(labels: Sequence[str]) -> list[str]:
    """The columns a batch run adds, in order."""
    return [LABEL, *(prob_column(lb) for lb in labels), ERROR]


def check_columns(names: Sequence[str], labels: Sequence[str]) -> None:
    """Refuse an input that already has a column the output adds (it would be lost)."""
    clash = [n for n in added_columns(labels) if n in set(names)]
    if clash:
        raise InputError(
            f"the input already has column(s) {', '.join(map(repr, clash))}, which the output "
            "adds (label, p_<label>, error); rename them in the input"
        )


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _one_line(e: BaseException) -> str:
    msg = " ".join(str(e).split())
    return f"{type(e).__name__}: {msg}"[:500]


def _predict(clf: Any, texts: list[str]) -> list[Any]:
    """Predictions (or the exception for that text), one per text: a failing batch is
    retried text by text so that one bad row does not take the others with it."""
    if not texts:
        return []
    with warnings.catch_warnings():  # a note per chunk of thousands would drown the log
        warnings.filterwarnings("ignore", category=NotCodeWarning)
        try:
            return list(clf.predict(texts))
        except Exception:
            pass
        out: list[Any] = []
        for t in texts:
            try:
                out.append(clf.predict([t])[0])
            except Exception as e:
                out.append(e)
        return out


def predict_table(
    clf: Any, table: Any, text_column: str, labels: Sequence[str] | None = None
) -> Any:
    """``table`` (a pyarrow Table) with ``label``, ``p_<label>`` and ``error`` added."""
    import pyarrow as pa

    labels = list(labels if labels is not None else clf.labels)
    texts = [_text(v) for v in table.column(text_column).to_pylist()]
    todo = [i for i, t in enumerate(texts) if t is not None and t.strip()]
    results = dict(zip(todo, _predict(clf, [texts[i] for i in todo]), strict=True))
    label_col: list[str | None] = []
    probs: list[list[float | None]] = [[] for _ in labels]
    errors: list[str | None] = []
    for i in range(table.num_rows):
        r = results.get(i)
        ok = r is not None and not isinstance(r, BaseException)
        label_col.append(r.label if ok else None)
        errors.append(None if ok else EMPTY if r is None else _one_line(r))
        for j, lb in enumerate(labels):
            probs[j].append(float(r.scores[lb]) if ok and lb in r.scores else None)
    out = table
    out = out.append_column(pa.field(LABEL, pa.string()), pa.array(label_col, pa.string()))
    for lb, col in zip(labels, probs, strict=True):
        out = out.append_column(
            pa.field(prob_column(lb), pa.float64()), pa.array(col, pa.float64())
        )
    return out.append_column(pa.field(ERROR, pa.string()), pa.array(errors, pa.string()))


__all__ = [
    "EMPTY",
    "ERROR",
    "LABEL",
    "added_columns",
    "check_columns",
    "predict_table",
    "prob_column",
]
