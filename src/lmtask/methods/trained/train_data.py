"""Checks and dev splits shared by every method that trains (fine-tuning and PEFT on an LM).

>>> from lmtask.methods.trained.train_data import check_training_data, split_dev
>>> x, y, dx, dy = check_training_data(["a", "b", "c", "d"], ["p", "n", "p", "n"])
>>> dx is None and sorted(set(y))
['n', 'p']
>>> tr, ytr, dev, ydev = split_dev(["a", "b", "c", "d", "e", "f"], list("pnpnpn"), 0.34, 0)
>>> len(dev), sorted(ydev)
(2, ['n', 'p'])
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from lmtask.errors import InputError
from lmtask.methods.base import check_texts
from lmtask.tasks import Task

__all__ = ["check_labels", "check_training_data", "prepare_training_data", "split_dev"]

Rows = tuple[list[str], list[str], list[str] | None, list[str]]


def check_training_data(
    texts: Sequence[str],
    labels: Sequence[str],
    dev_texts: Sequence[str] | None = None,
    dev_labels: Sequence[str] | None = None,
    task_labels: Sequence[str] | None = None,
) -> Rows:
    """(texts, labels, dev_texts or None, dev_labels) as lists of str, or a clear error.

    Refused: mismatched lengths, fewer than 2 rows, fewer than 2 distinct labels, labels
    outside ``task_labels`` (when given), dev labels never seen in training.
    """
    texts = check_texts(texts)
    if len(texts) != len(labels):
        raise InputError(f"{len(texts)} texts but {len(labels)} labels")
    labels = check_labels(labels, task_labels)
    seen = sorted(set(labels))
    if dev_texts is None:
        return texts, labels, None, []
    dev_texts, dev_labels = check_texts(dev_texts), [str(y) for y in dev_labels or []]
    if len(dev_texts) != len(dev_labels):
        raise InputError(f"{len(dev_texts)} dev texts but {len(dev_labels)} dev labels")
    unseen = sorted(set(dev_labels) - set(seen))
    if unseen:
        raise InputError(f"dev labels {unseen} never occur in the training data {seen}")
    return texts, labels, dev_texts, dev_labels


def check_labels(labels: Sequence[str], task_labels: Sequence[str] | None = None) -> list[str]:
    """The training labels as a list of str: at least 2 rows and 2 distinct labels, all of
    them ``task_labels`` (when given), or a clear error.

    >>> check_labels(["p", "n", "x"], ["p", "n"])
    Traceback (most recent call last):
    ...
    lmtask.errors.InputError: training labels ['x'] are not in the task's ['p', 'n']
    """
    labels = [str(y) for y in labels]
    if len(labels) < 2:
        raise InputError(f"training needs at least 2 examples, got {len(labels)}")
    seen = sorted(set(labels))
    if len(seen) < 2:
        raise InputError(f"training data has only the label {seen}: a classifier needs 2+")
    if task_labels is not None:
        outside = sorted(set(seen) - set(task_labels))
        if outside:
            raise InputError(f"training labels {outside} are not in the task's {list(task_labels)}")
    return labels


def split_dev(texts: list[str], labels: list[str], fraction: float, seed: int) -> Rows:
    """Hold out a stratified, seeded ``fraction`` as the dev set.

    Returns the data unchanged with no dev set when it is too small to split (a label with
    fewer than 2 rows, or the dev part would be larger than the training part).
    """
    n_dev = max(len(set(labels)), round(len(texts) * fraction))
    if fraction <= 0 or len(texts) - n_dev < n_dev or min(Counter(labels).values()) < 2:
        return texts, labels, None, []
    from sklearn.model_selection import train_test_split

    a, b, ya, yb = train_test_split(
        texts, labels, test_size=n_dev, stratify=labels, random_state=seed
    )
    return list(a), list(ya), list(b), list(yb)


def prepare_training_data(
    task: Task | None,
    texts: Sequence[str],
    labels: Sequence[str],
    dev_texts: Sequence[str] | None,
    dev_labels: Sequence[str] | None,
    dev_fraction: float,
    seed: int,
    name: str,
) -> tuple[Task, Rows]:
    """Check the data, make a task from its labels when ``task`` is None (named ``name``),
    and hold out ``dev_fraction`` as the dev set when none is given."""
    known = task.label_names if task is not None else None
    rows = check_training_data(texts, labels, dev_texts, dev_labels, known)
    task = task or Task.from_labels(sorted(set(rows[1])), name=name)
    if rows[2] is None:
        rows = split_dev(rows[0], rows[1], dev_fraction, seed)
    return task, rows
