"""Zero-shot classification by prompting a causal LM.

``mode="score"`` (default): every label is scored as the continuation of the prompt (see
:mod:`lmtask.engine.scoring`); the answer is always a valid label, with a probability per label.
``mode="generate"``: the seed tutorial's way: greedy generation, then the answer text is
matched to a label (:mod:`lmtask.engine.answer_matching`); no match gives ``label=None`` and the
model's words stay in ``raw``. ``calibrate=True`` calibrates the label scores (contextual
unless ``calibration`` says domain or batch);
``min_confidence=p`` abstains (label ``None``) below ``p``.

Empty texts are classified like any other (the prompt simply has no text in it). Texts
longer than the model's window are cut in the middle with a warning.

>>> import lmtask
>>> clf = lmtask.ZeroShot(task="sentiment")                 # doctest: +SKIP
>>> clf.predict(["I love the sunny weather today."])[0].label  # doctest: +SKIP
'positive'
"""

from __future__ import annotations

from dataclasses import dataclass

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
