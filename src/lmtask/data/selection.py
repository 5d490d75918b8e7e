"""Which rows to evaluate and which to learn from: the data side of eval, compare and tune.

No torch here. The pool of examples never holds an evaluated row (nor a text identical to
one): it is a separate examples file, or the rest of the data outside a ``sample``, or the
train part of a seeded split (saved, so a later run can reuse it).

>>> from lmtask.data import LabeledData
>>> d = LabeledData(texts=list("abcdefghij"), labels=["x", "y"] * 5, source="demo")
>>> rows, pool = select_rows(d, needs_examples=True, test_size=0.2, seed=0)
>>> len(rows), len(pool), set(rows.texts) & set(pool.texts)
(2, 8, set())
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from lmtask.data.packaged import DATASETS, load_dataset
from lmtask.data.readers import LabeledData, read_table
from lmtask.data.splits import load_split, save_split, split, stratified_sample
from lmtask.errors import InputError


def load_data(
    data: str | os.PathLike[str] | LabeledData,
    text_column: str | None = None,
    label_column: str | None = None,
    sample: int | None = None,
    seed: int = 0,
    need_labels: bool = True,
    encoding: str = "utf-8",
) -> LabeledData:
    """A data file (text files read in ``encoding``) or packaged dataset, optionally a fixed
    stratified sample of it."""
    if isinstance(data, LabeledData):
        loaded = data
    elif Path(data).exists() or str(data) not in DATASETS:
        name = str(data)
        if not Path(data).exists() and "/" not in name and "." not in name:
            raise InputError(
                f"{name!r} is neither a file nor a packaged dataset; packaged datasets are: "
                f"{', '.join(sorted(DATASETS))}"
            )
        loaded = read_table(
            data, text_column=text_column, label_column=label_column, encoding=encoding
        )
    else:
        if text_column or label_column:
            raise InputError(
                f"text_column and label_column apply to data files, not to the packaged "
                f"dataset {data!r}"
            )
        loaded = load_dataset(str(data))
    if need_labels and loaded.labels is None:
        raise InputError(
            f"{loaded.source} has no labels, so it cannot be evaluated; name the column that "
            "holds them (label_column)"
        )
    if sample is not None:
        loaded = stratified_sample(loaded, sample, seed=seed)
    return loaded


def labels_for(data: LabeledData, task: Any, labels: Any) -> Any:
    """The labels to classify into: given ones, the task's (None), or every label of the data
    (all rows, not only an evaluated sample, so a rare class is never dropped)."""
    if task is None and labels is None:
        if data.labels is None:
            raise InputError(f"{data.source} has no labels: give a task or labels")
        return sorted(set(data.labels))
    return labels


def select_rows(
    full: LabeledData,
    *,
    needs_examples: bool,
    sample: int | None = None,
    seed: int = 0,
    examples: LabeledData | None = None,
    test_size: float = 0.2,
    split_file: str | os.PathLike[str] | None = None,
    save_split_to: str | os.PathLike[str] | None = None,
) -> tuple[LabeledData, LabeledData | None]:
    """(rows to evaluate, pool of examples or None); see the module docstring."""
    if split_file is not None:  # its test rows are evaluated, whatever the methods need
        if sample is not None:
            raise InputError(
                "--split names rows of the whole data, so it cannot be combined with --sample; "
                "write the sample to a file (lmtask datasets export) and split that"
            )
        if examples is not None:
            raise InputError("give --split (train rows are the examples) or --examples, not both")
        parts = load_split(split_file, full)
        if save_split_to is not None:
            save_split(parts, save_split_to)
        if not needs_examples:
            return parts.test, None
        examples, full, split_file = parts.train, parts.test, None
    if examples is None and not needs_examples:
        rows = stratified_sample(full, sample, seed=seed) if sample is not None else full
        return rows, None
    pool = examples
    if sample is not None:
        rows = stratified_sample(full, sample, seed=seed)
        if pool is None:
            pool = full
    elif pool is None:
        if not 0 < test_size < 1:
            raise InputError(
                f"test_size must be between 0 and 1 (exclusive) when examples come from the "
                f"data itself, not {test_size}"
            )
        parts = load_split(split_file, full) if split_file else split(full, 0.0, test_size, seed)
        if save_split_to is not None:
            save_split(parts, save_split_to)
        rows, pool = parts.test, parts.train
    else:
        rows = full
    held = set(rows.texts)
    keep = [i for i, t in enumerate(pool.texts) if t not in held]
    return rows, pool.subset(keep)


__all__ = ["labels_for", "load_data", "select_rows"]
