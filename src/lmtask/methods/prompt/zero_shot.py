"""Zero-shot classification by prompting a causal LM.

``mode="score"`` (default): every label is scored as the continuation of the prompt (see
:mod:`lmtask.engine.scoring`); the answer is always a valid label, with a probability per label.
``mode="generate"``: the seed tutorial's way: greedy generation, then the answer text is
matched to a label (:mod:`lmtask.engine.answer_matching`); no match gives ``label=None`` and the
model's words stay in ``raw``. ``calibrate=True`` calibrates the label scores (as the task
recommends, background for labels alone, unless ``calibration`` names one;
``calibration="auto"`` chooses one on labelled texts given to ``fit``); ``min_confidence=p``
abstains (label ``None``) below ``p``.

Empty texts are classified like any other (the prompt simply has no text in it). Texts
longer than the model's window are cut in the middle with a warning.

>>> import lmtask
>>> clf = lmtask.ZeroShot(task="sentiment")                 # doctest: +SKIP
>>> clf.predict(["I love the sunny weather today."])[0].label  # doctest: +SKIP
'positive'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lmtask.engine.calibration import AUTO_ROWS
from lmtask.errors import InputError
from lmtask.methods.base import register_method
from lmtask.methods.prompt.base import MODES, PromptClassifier, PromptConfig

__all__ = ["MODES", "ZeroShot", "ZeroShotConfig"]


@dataclass
class ZeroShotConfig(PromptConfig):
    """Options of :class:`ZeroShot`: those of :class:`PromptConfig`."""


@register_method("zero-shot")
class ZeroShot(PromptClassifier):
    """Zero-shot classifier: a task, a model and a mode.

    ``task`` is a Task, a task name or file; ``labels`` replaces or gives the labels;
    ``model`` is an alias, path, hub id or a :class:`~lmtask.models.LoadedModel`.
    """

    config_class = ZeroShotConfig

    @property  # type: ignore[override]
    def needs_training_data(self) -> bool:  # type: ignore[override]
        """calibration="auto" (in score mode, calibration on) before :meth:`fit` chose."""
        auto = self.wants_calibration and self.config.calibration == "auto"
        return auto and self.chosen_calibration is None

    @classmethod
    def trains_on(cls, options: Mapping[str, Any], task: Any = None) -> bool:
        """Only ``calibration="auto"`` learns something from labelled texts: which one (not
        with calibration off or in generate mode)."""
        auto = str(options.get("calibration", "")) == "auto"
        return auto and options.get("calibrate") is not False and options.get("mode") != "generate"

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> ZeroShot:
        """With ``calibration="auto"``: choose none, background, contextual, domain, batch or
        words by macro-F1 on these labelled texts (at most :data:`AUTO_ROWS`, a stratified sample);
        without it there is nothing to learn and the call is refused."""
        from lmtask.data import LabeledData, stratified_sample

        if not (self.wants_calibration and self.config.calibration == "auto"):
            raise InputError("zero-shot learns nothing from examples unless calibration=auto")
        texts, labels = list(texts), [str(y) for y in labels]
        if len(texts) != len(labels):
            raise InputError(f"{len(texts)} texts but {len(labels)} labels")
        unknown = sorted(set(labels) - set(self.labels))
        if unknown:
            raise InputError(f"labels {unknown} are not labels of the task {self.labels}")
        counts = {y: labels.count(y) for y in set(labels)}
        if len(counts) < 2 or min(counts.values()) < 2:
            raise InputError("calibration=auto needs at least 2 labelled texts of each of 2 "
                             f"labels or more to choose on; got {counts}")  # fmt: skip
        if len(texts) > AUTO_ROWS:
            rows = LabeledData(texts, labels, source="the labelled examples")
            rows = stratified_sample(rows, AUTO_ROWS, seed=0)
            texts, labels = rows.texts, rows.labels or []
        self.choose_calibration(texts, labels)
        return self

    def artifact_state(self) -> dict[str, Any]:
        return {"chosen_calibration": self.chosen_calibration}

    def restore_state(self, state: dict[str, Any]) -> None:
        self.chosen_calibration = state.get("chosen_calibration")
