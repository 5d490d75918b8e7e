"""The classifier interface every method implements, and the method registry.

New methods plug in with :func:`register_method`::

    @register_method("my-method")
    class MyMethod(Classifier):
        ...

>>> from lmtask.methods import list_methods
>>> "zero-shot" in list_methods()
True
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import numpy as np

from lmtask.errors import InputError, LmtaskError
from lmtask.prediction import Prediction
from lmtask.tasks import Task

C = TypeVar("C", bound=type)

_METHODS: dict[str, type] = {}


def register_method(name: str) -> Callable[[C], C]:
    """Class decorator: make a classifier available by ``name`` (CLI ``--method``)."""

    def deco(cls: C) -> C:
        _METHODS[name] = cls
        cls.method_name = name  # type: ignore[attr-defined]
        return cls

    return deco


def list_methods() -> list[str]:
    return sorted(_METHODS)


def get_method(name: str) -> type:
    try:
        return _METHODS[name]
    except KeyError:
        raise LmtaskError(
            f"unknown method {name!r}; available: {', '.join(list_methods())}"
        ) from None


def check_texts(texts: Iterable[str] | str) -> list[str]:
    """A list of strings, or a clear error. A single string is one text."""
    if isinstance(texts, str):
        return [texts]
    out = list(texts)
    for i, t in enumerate(out):
        if not isinstance(t, str):
            raise InputError(f"text {i} is a {type(t).__name__}, not a string: {t!r:.60}")
    return out


class Classifier(ABC):
    """Predicts one of ``task.labels`` for each text."""

    method_name = "base"
    task: Task

    @property
    def labels(self) -> list[str]:
        return self.task.label_names

    @abstractmethod
    def predict(self, texts: Sequence[str] | str, progress: bool = False) -> list[Prediction]:
        """One :class:`Prediction` per text, in order."""

    def predict_proba(self, texts: Sequence[str] | str) -> np.ndarray:
        """(n_texts, n_labels) probabilities in ``self.labels`` order."""
        preds = self.predict(texts)
        return np.array([[p.scores.get(lb, 0.0) for lb in self.labels] for p in preds]).reshape(
            len(preds), len(self.labels)
        )

    def describe(self) -> dict[str, Any]:
        return {"method": self.method_name, "task": self.task.name, "labels": self.labels}
