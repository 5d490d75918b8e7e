"""Majority: always the most common label of the training data, with the training label
frequencies as scores. The baseline any method must beat.

>>> clf = Majority(labels="a,b").fit(["x", "y", "z"], ["b", "a", "b"])
>>> clf.predict(["anything"])[0].label
'b'
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from lmtask.config import Config
from lmtask.errors import InputError, LmtaskError
from lmtask.inputs import check_texts
from lmtask.methods.base import Classifier, register_method
from lmtask.prediction import Prediction
from lmtask.tasks import Task, resolve_task


def majority_label(labels: Sequence[str], gold: Sequence[str]) -> str:
    """The most common gold label; ties go to the one first in ``labels``."""
    counts = Counter(gold)
    return max(labels, key=lambda lb: (counts[lb], -list(labels).index(lb)))


@register_method("majority")
class Majority(Classifier):
    """The most common training label for every text; ``model`` is ignored (there is none)."""

    needs_training_data = True

    def __init__(
        self,
        task: Task | str | None = None,
        model: Any = None,
        *,
        labels: Sequence[str] | str | None = None,
        dtype: str = "auto",
        config: Config | None = None,
        **options: Any,
    ) -> None:
        self.config = self.make_config(config, options)
        self.task = resolve_task(task, labels) if (task or labels) else None
        self.label: str | None = None
        self.scores: dict[str, float] = {}

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> Majority:
        """Count the labels of the training rows (``texts`` only need to match in number)."""
        if len(texts) != len(labels) or not labels:
            raise InputError(f"majority needs labelled rows: got {len(texts)} texts and "
                             f"{len(labels)} labels")  # fmt: skip
        if self.task is None:
            self.task = resolve_task(None, sorted(set(labels)))
        unknown = sorted(set(labels) - set(self.labels))
        if unknown:
            raise InputError(f"training labels {unknown} are not labels of the task {self.labels}")
        counts = Counter(labels)
        self.label = majority_label(self.labels, labels)
        self.scores = {lb: counts[lb] / len(labels) for lb in self.labels}
        return self

    def predict(self, texts: Sequence[str] | str, progress: bool = False) -> list[Prediction]:
        if self.label is None:
            raise LmtaskError("majority is not fitted: call fit(texts, labels) first")
        return [Prediction(self.label, dict(self.scores)) for _ in check_texts(texts)]

    def artifact_state(self) -> dict[str, Any]:
        return {"label": self.label, "scores": self.scores}

    @classmethod
    def from_artifact(
        cls, task: Task, lm: Any, config: dict[str, Any], state: dict[str, Any], tensors: Any
    ) -> Majority:
        clf = cls(task=task, config=Config(**config))
        clf.label, clf.scores = state["label"], dict(state["scores"])
        return clf

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "label": self.label}
