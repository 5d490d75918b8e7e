"""Zero-shot classification by prompting a causal LM.

``mode="score"`` (default): every label is scored as the continuation of the prompt (see
:mod:`lmtask.scoring`); the answer is always a valid label, with a probability per label.
``mode="generate"``: the seed tutorial's way: greedy generation, then the answer text is
matched to a label (:mod:`lmtask.answer_matching`); no match gives ``label=None`` and the
model's words stay in ``raw``.

Empty texts are classified like any other (the prompt simply has no text in it). Texts
longer than the model's window are cut in the middle with a warning.

>>> import lmtask
>>> clf = lmtask.ZeroShot(task="sentiment")                 # doctest: +SKIP
>>> clf.predict(["I love the sunny weather today."])[0].label  # doctest: +SKIP
'positive'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from lmtask.answer_matching import match_label
from lmtask.errors import InputError
from lmtask.generation import generate_from_ids
from lmtask.methods.base import Classifier, check_texts, register_method
from lmtask.models import DEFAULT_MODEL, load_model
from lmtask.prediction import Prediction
from lmtask.progress import progress_bar
from lmtask.prompting import build_prompt, encode_prompts
from lmtask.scoring import LabelScorer
from lmtask.tasks import Task, resolve_task

MODES = ("score", "generate")


@dataclass
class ZeroShotConfig:
    """Options of :class:`ZeroShot` (all have sensible defaults)."""

    mode: str = "score"
    normalize: bool = False  # divide label log-likelihoods by their token count
    batch_size: int = 8
    max_new_tokens: int = 16  # generate mode
    max_length: int | None = None  # cap on prompt tokens; default: the model's window


@register_method("zero-shot")
class ZeroShot(Classifier):
    """Zero-shot classifier: a task, a model and a mode.

    ``task`` is a Task, a task name or file; ``labels`` replaces or gives the labels;
    ``model`` is an alias, path, hub id or a :class:`~lmtask.models.LoadedModel`.
    """

    def __init__(
        self,
        task: Task | str | None = None,
        model: Any = DEFAULT_MODEL,
        *,
        labels: Sequence[str] | str | None = None,
        mode: str = "score",
        dtype: str = "auto",
        config: ZeroShotConfig | None = None,
        **options: Any,
    ) -> None:
        self.task = resolve_task(task, labels)
        self.config = config or ZeroShotConfig(mode=mode, **options)
        if self.config.mode not in MODES:
            raise InputError(f"unknown mode {self.config.mode!r}; use one of {MODES}")
        self.lm = load_model(model, dtype=dtype)
        self._scorer: LabelScorer | None = None

    @property
    def scorer(self) -> LabelScorer:
        if self._scorer is None:
            self._scorer = LabelScorer.for_task(
                self.lm,
                self.task,
                normalize=self.config.normalize,
                batch_size=self.config.batch_size,
                max_length=self.config.max_length,
            )
        return self._scorer

    def predict(self, texts: Sequence[str] | str, progress: bool = False) -> list[Prediction]:
        texts = check_texts(texts)
        if not texts:
            return []
        with progress_bar(len(texts), "classifying", enabled=progress) as advance:
            if self.config.mode == "generate":
                return self._generate(texts, advance)
            probs = np.exp(self.scorer.log_probs(texts, advance))
        names = self.labels
        return [
            Prediction(
                names[int(row.argmax())], {n: float(p) for n, p in zip(names, row, strict=True)}
            )
            for row in probs
        ]

    def predict_proba(self, texts: Sequence[str] | str) -> np.ndarray:
        if self.config.mode == "score":
            texts = check_texts(texts)
            return np.exp(self.scorer.log_probs(texts)).reshape(len(texts), len(self.labels))
        return super().predict_proba(texts)

    def _generate(self, texts: list[str], advance: Any) -> list[Prediction]:
        parts = build_prompt(self.task, self.lm)
        window = min(self.lm.max_length, self.config.max_length or self.lm.max_length)
        ids = encode_prompts(self.lm.tokenizer, parts, texts, window - self.config.max_new_tokens)
        answers = generate_from_ids(
            self.lm, ids, self.config.max_new_tokens, self.config.batch_size, advance
        )
        preds = []
        for a in answers:
            label = match_label(a, self.task)
            scores = {n: float(n == label) for n in self.labels}
            preds.append(Prediction(label, scores, raw=a))
        return preds

    def describe(self) -> dict[str, Any]:
        return {
            **super().describe(),
            "model": self.lm.name,
            "model_hash": self.lm.source_hash,
            "mode": self.config.mode,
        }
