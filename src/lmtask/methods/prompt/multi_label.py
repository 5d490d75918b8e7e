"""Multi-label classification: each label decided on its own by a yes/no question.

For every label the model is asked ``question`` (with ``{text}`` and ``{label}``; default
"Does this text talk about {label}? Answer yes or no.") and "yes" versus "no" is scored as
the continuation; ``P(label) = P(yes) / (P(yes) + P(no))``. A text gets every label whose
probability reaches its threshold (one number for all labels, or one per label).

>>> import lmtask
>>> clf = lmtask.MultiLabel(labels="sports,politics", thresholds={"sports": 0.6})  # doctest: +SKIP
>>> clf.predict(["The minister opened a new stadium."])[0].labels  # doctest: +SKIP
["sports", "politics"]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from lmtask.config import Config, option
from lmtask.engine.scoring import LabelScorer
from lmtask.errors import InputError, TaskError
from lmtask.methods.base import Classifier, check_texts, register_method
from lmtask.models import DEFAULT_MODEL, load_model
from lmtask.prediction import Prediction
from lmtask.progress import progress_bar
from lmtask.tasks import Label, Task, resolve_task

DEFAULT_QUESTION = "{text}\n\nDoes this text talk about {label}? Answer yes or no."


@dataclass
class MultiLabelConfig(Config):
    """Options of :class:`MultiLabel`."""

    question: str = option(DEFAULT_QUESTION, "the yes/no question, with {text} and {label}")
    threshold: float = option(0.5, "P(yes) at which a label is given", min=0.0, max=1.0)
    thresholds: dict[str, float] | None = option(None, "per-label thresholds (override)")
    batch_size: int = option(8, "texts per forward pass", min=1)
    max_length: int | None = option(None, "cap on prompt tokens", min=1)

    def check(self) -> None:
        super().check()
        if "{text}" not in self.question or "{label}" not in self.question:
            raise TaskError("a multi-label question must contain {text} and {label}")


@register_method("multi-label")
class MultiLabel(Classifier):
    """Independent yes/no decisions per label; see the module docstring.

    ``thresholds`` may be one number (every label) or ``{label: threshold}``.
    """

    config_class = MultiLabelConfig

    def __init__(
        self,
        task: Task | str | None = None,
        model: Any = None,
        *,
        labels: Sequence[str] | str | None = None,
        dtype: str = "auto",
        config: MultiLabelConfig | None = None,
        **options: Any,
    ) -> None:
        t = options.get("thresholds")
        if isinstance(t, int | float) and not isinstance(t, bool):
            options["threshold"] = float(options.pop("thresholds"))
        self.config = self.make_config(config, options)
        self.task = replace(resolve_task(task, labels), multi_label=True)
        self.thresholds = self._thresholds(self.config.threshold, self.config.thresholds)
        self.lm = load_model(model if model is not None else DEFAULT_MODEL, dtype=dtype)
        self._scorers: dict[str, LabelScorer] = {}

    def _thresholds(self, base: float, t: Mapping[str, float] | None) -> dict[str, float]:
        out = {lb: base for lb in self.labels}
        if t:
            unknown = sorted(set(t) - set(self.labels))
            if unknown:
                raise InputError(f"thresholds for unknown labels {unknown}; labels: {self.labels}")
            out.update({k: float(v) for k, v in t.items()})
        bad = {k: v for k, v in out.items() if not 0.0 <= v <= 1.0}
        if bad:
            raise InputError(f"thresholds must lie in [0, 1]: {bad}")
        return out

    def scorer(self, label: str) -> LabelScorer:
        if label not in self._scorers:
            name = label.replace("{", "{{").replace("}", "}}")
            template = self.config.question.replace("{label}", name)
            yes_no = Task(
                name=f"{self.task.name}:{label}",
                labels=(Label("yes"), Label("no")),
                template=template,
                system=self.task.system,
            )
            self._scorers[label] = LabelScorer.for_task(
                self.lm, yes_no, batch_size=self.config.batch_size,
                max_length=self.config.max_length,
            )  # fmt: skip
        return self._scorers[label]

    def label_probs(self, texts: Sequence[str], progress: Any = None) -> np.ndarray:
        """(n_texts, n_labels): P(yes) for each label, each decided on its own."""
        out = np.zeros((len(texts), len(self.labels)))
        for j, lb in enumerate(self.labels):
            out[:, j] = np.exp(self.scorer(lb).log_probs(list(texts))[:, 0])
            if progress:
                progress(1)
        return out

    def decide(self, probs: np.ndarray) -> list[list[str]]:
        t = np.array([self.thresholds[lb] for lb in self.labels])
        return [[lb for lb, ok in zip(self.labels, row >= t, strict=True) if ok] for row in probs]

    def predict(self, texts: Sequence[str] | str, progress: bool = False) -> list[Prediction]:
        texts = check_texts(texts)
        if not texts:
            return []
        with progress_bar(len(self.labels), "labels", enabled=progress) as advance:
            probs = self.label_probs(texts, advance)
        preds = []
        for row, chosen in zip(probs, self.decide(probs), strict=True):
            scores = {lb: float(p) for lb, p in zip(self.labels, row, strict=True)}
            top = max(chosen, key=scores.get) if chosen else None
            preds.append(Prediction(top, scores, labels=chosen))
        return preds

    def predict_proba(self, texts: Sequence[str] | str) -> np.ndarray:
        return self.label_probs(check_texts(texts))

    def artifact_state(self) -> dict[str, Any]:
        return {"thresholds": self.thresholds}

    @classmethod
    def from_artifact(cls, task: Task, lm: Any, config: dict, state: dict, tensors: Any):
        config = {**config, "thresholds": config.get("thresholds") or state.get("thresholds")}
        return cls(task=task, model=lm, config=MultiLabelConfig(**config))

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "model": self.lm.name, "model_hash": self.lm.source_hash,
                "multi_label": True, "thresholds": self.thresholds,
                "question": self.config.question}  # fmt: skip
