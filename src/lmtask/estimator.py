"""A scikit-learn estimator over any lmtask method: ``Pipeline``, ``cross_val_score``, grids.

``TextClassifier(method, model, task, options)`` builds the method on ``fit`` with the
classes of ``y`` as labels; methods that train (``finetune``, ``lora``, ``few-shot``) are
then fitted on ``X, y``; zero-shot methods just record the labels. ``classes_`` is sorted
(scikit-learn's convention) and ``predict_proba`` columns follow it.

>>> from lmtask.estimator import TextClassifier
>>> TextClassifier(method="finetune", options={"mode": "head"}).get_params()["method"]
'finetune'
>>> # from sklearn.model_selection import cross_val_score
>>> # cross_val_score(TextClassifier(options={"epochs": 2}), texts, labels, cv=3)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from lmtask.errors import InputError

__all__ = ["TextClassifier"]


def _texts(X: Any) -> list[str]:
    """A list of strings from a list, array, Series or one-column frame."""
    if hasattr(X, "iloc") and getattr(X, "ndim", 1) == 2:
        if X.shape[1] != 1:
            raise InputError(f"X has {X.shape[1]} columns; give one column of texts")
        X = X.iloc[:, 0]
    arr = np.asarray(X, dtype=object)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise InputError(f"X must be a 1-d sequence of texts, not shape {arr.shape}")
    bad = [x for x in arr if not isinstance(x, str)]
    if bad:
        raise InputError(f"X must hold texts; found a {type(bad[0]).__name__}: {bad[0]!r:.60}")
    return [str(x) for x in arr]


class TextClassifier(ClassifierMixin, BaseEstimator):
    """scikit-learn classifier for texts backed by an lmtask method.

    ``method``: a registered method name ("finetune", "lora", "zero-shot", ...).
    ``model``: the base model (alias, folder, hub id); ``None`` means the method's default
    (``all-minilm-l6-v2`` for finetune/lora). ``task``: an optional task name whose template
    and label words prompt methods use. ``options``: the method's options (e.g. ``{"mode":
    "head", "epochs": 2}``), kept as one dict so ``get_params``/``clone`` work.
    """

    def __init__(
        self,
        method: str = "finetune",
        model: str | None = None,
        task: str | None = None,
        options: dict[str, Any] | None = None,
    ) -> None:
        self.method = method
        self.model = model
        self.task = task
        self.options = options

    def fit(self, X: Sequence[str], y: Sequence[Any]) -> TextClassifier:
        from lmtask.methods import MethodSpec, build, fit

        texts = _texts(X)
        y_arr = np.asarray(y)
        if y_arr.ndim != 1 or len(y_arr) != len(texts):
            raise InputError(f"y must be 1-d with one label per text ({len(texts)})")
        self.classes_ = np.unique(y_arr)
        if len(self.classes_) < 2:
            raise InputError(f"y has only the class {self.classes_.tolist()}: need 2 or more")
        self._names = [str(c) for c in self.classes_]
        if len(set(self._names)) != len(self._names):
            raise InputError(f"classes {self.classes_.tolist()} are not distinct as text")
        self.classifier_ = fit(
            build(MethodSpec(self.method, dict(self.options or {})), task=self.task,
                  labels=self._names, model=self.model),
            texts=texts,
            labels=[str(v) for v in y_arr],
        )  # fmt: skip
        self.n_features_in_ = 1
        return self

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        """(n, n_classes) probabilities, columns in ``classes_`` order."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "classifier_")
        preds = self.classifier_.predict(_texts(X))
        return np.array([[p.scores.get(n, 0.0) for n in self._names] for p in preds]).reshape(
            len(preds), len(self._names)
        )

    def predict(self, X: Sequence[str]) -> np.ndarray:
        """The most probable class of each text (an element of ``classes_``)."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
