"""Named prompt wordings for ad-hoc labels: a template and the answer's prefilled start.

The default wording of a task made from labels alone (``--labels a,b,c``) is chosen among
these by measurement on labelled sets of several kinds (``bench/prompt_selection.py``; the
table is in ``bench/RESULTS.md``). Template search and the prompt ensemble use them too.

>>> from lmtask.tasks import Task
>>> t = WORDINGS["category+start"].apply(Task.from_labels("spam,ham"))
>>> t.render_instruction("Win money now")
'Win money now\\n\\nWhich category does this text belong to: spam or ham?'
>>> t.answer_start
'The category is'
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Wording:
    """A template (with ``{text}``, maybe ``{labels}``) and how the answer starts."""

    name: str
    template: str
    answer_start: str = ""
    reverse_labels: bool = False  # list the labels in reverse order in the question
    calibrate: bool = False  # calibrate label scores with this wording
    calibration: str = ""  # how: contextual (""), background, domain, batch or words

    def apply(self, task: Any) -> Any:
        """``task`` with this wording (labels, words and descriptions kept)."""
        labels = tuple(reversed(task.labels)) if self.reverse_labels else task.labels
        return dataclasses.replace(task, template=self.template, answer_start=self.answer_start,
                                   labels=labels, calibrate=self.calibrate,
                                   calibration=self.calibration)  # fmt: skip


_CATEGORY = "{text}\n\nWhich category does this text belong to: {labels}?"
_CLASSIFY = "Classify this text as {labels}.\n\nText: {text}"

WORDINGS: dict[str, Wording] = {
    w.name: w
    for w in [
        Wording("which-of (old default)", "{text}\nWhich of these is it: {labels}?"),
        Wording("classify-as", _CLASSIFY),
        Wording("classify-as+start", _CLASSIFY, "This text is"),
        Wording("category+start", _CATEGORY, "The category is"),
        Wording("category+start reversed", _CATEGORY, "The category is", reverse_labels=True),
        Wording("no-list+start", "{text}\n\nWhat category is this text?", "The category is"),
        Wording(
            "labels-after+start",
            "Text: {text}\n\nPossible labels: {labels}.\nWhich label fits this text best?",
            "The label that fits best is",
        ),
    ]
}

# The wording of a task made from labels alone, chosen by bench/prompt_selection.py: the
# best mean macro-F1 over five labelled sets of different kinds (tweets, fine-foods,
# bbc-news, debates-2016, convention-speeches) and two models (the default Qwen 0.5B and
# SmolLM2-135M), among 7 wordings x {plain, contextual calibration, domain PMI}. Its
# calibration is background (bench/adhoc_background_calibration.py): the bias of
# pseudo-texts of frequent English words (code tokens for programming-language labels),
# the same for every call. By the two rules fixed for words calibration it beats
# contextual (mean selection macro-F1 0.546 against 0.416 over six sets and both models,
# worst code group 0.608 against 0.517, calls of one label 0.682 against 0.622). Batch
# (0.556) and words (0.571) score higher on files that hold every label, but make a text's
# answer depend on the other texts of the call and lose on calls of one label (0.467 and
# 0.487), so they are options.
AD_HOC = dataclasses.replace(WORDINGS["no-list+start"], name="no-list+start+calibrate",
                             calibrate=True, calibration="background")  # fmt: skip

__all__ = ["AD_HOC", "WORDINGS", "Wording"]
