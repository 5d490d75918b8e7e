"""VADER: the rule-based sentiment lexicon (Hutto & Gilbert 2014), as a baseline method.

No model, no training: every text gets VADER's compound score in [-1, 1], mapped to the
task's labels with VADER's documented thresholds (compound >= 0.05 positive, <= -0.05
negative, else neutral). Supported label sets: positive/negative(/neutral, /angry: never
predicted) and great/other (great when compound >= 0.05). Needs ``pip install vadersentiment``.

>>> from lmtask.methods.baseline.vader import Vader
>>> Vader(labels="positive,negative,neutral").predict(["I love it!"])[0].label  # doctest: +SKIP
'positive'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lmtask.config import Config
from lmtask.errors import InputError
from lmtask.methods.base import Classifier, check_texts, register_method
from lmtask.prediction import Prediction
from lmtask.tasks import Task, resolve_task

THRESHOLD = 0.05


@register_method("vader")
class Vader(Classifier):
    """VADER sentiment baseline; ``model`` is ignored (there is none)."""

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
        try:
            from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
        except ImportError:
            raise InputError("the vader method needs `pip install vadersentiment`") from None
        self.task = resolve_task(task, labels)
        names = {n.lower(): n for n in self.labels}
        if {"positive", "negative"} <= set(names):
            self._kind = "sentiment"
        elif set(names) == {"great", "other"}:
            self._kind = "great-other"
        else:
            raise InputError(
                f"VADER maps only to sentiment labels (positive/negative[/neutral]) or "
                f"great/other; got {self.labels}"
            )
        self._names = names
        self._sia = SentimentIntensityAnalyzer()

    def _one(self, text: str) -> Prediction:
        s = self._sia.polarity_scores(text)
        c = s["compound"]
        n = self._names
        scores = {lb: 0.0 for lb in self.labels}
        if self._kind == "great-other":
            p = (c + 1) / 2
            scores[n["great"]], scores[n["other"]] = p, 1 - p
            return Prediction(n["great"] if c >= THRESHOLD else n["other"], scores)
        if "neutral" in n:
            scores[n["positive"]], scores[n["negative"]], scores[n["neutral"]] = (
                s["pos"],
                s["neg"],
                s["neu"],
            )
            if c >= THRESHOLD:
                label = n["positive"]
            elif c <= -THRESHOLD:
                label = n["negative"]
            else:
                label = n["neutral"]
        else:
            p = (c + 1) / 2
            scores[n["positive"]], scores[n["negative"]] = p, 1 - p
            label = n["positive"] if c >= 0 else n["negative"]
        total = sum(scores.values()) or 1.0
        return Prediction(label, {k: v / total for k, v in scores.items()})

    def predict(self, texts: Sequence[str] | str, progress: bool = False) -> list[Prediction]:
        return [self._one(t) for t in check_texts(texts)]
