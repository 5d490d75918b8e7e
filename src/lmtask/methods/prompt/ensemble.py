"""A prompt ensemble: several wordings of the same question, their label probabilities
averaged. Each wording is its own zero-shot scorer with its own cached prompt prefix, so an
ensemble of k wordings costs k scoring passes.

Members are names of :data:`lmtask.tasks.wordings.WORDINGS`; they replace the task's
template and answer start, and keep its labels (and label words).

>>> import lmtask
>>> members = ["category+start", "no-list+start"]
>>> clf = lmtask.methods.PromptEnsemble(labels="spam,ham", members=members)  # doctest: +SKIP
>>> clf.predict(["WIN a FREE phone, reply now"])[0].label                  # doctest: +SKIP
'spam'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from lmtask.config import option
from lmtask.errors import InputError
from lmtask.methods.base import register_method
from lmtask.methods.prompt.base import PromptClassifier, PromptConfig
from lmtask.methods.prompt.zero_shot import ZeroShot, ZeroShotConfig
from lmtask.tasks.wordings import WORDINGS

# Not a default: the ensemble itself has not been measured against the single best wording
# yet, so the user names the members (e.g. the best single wordings of bench/RESULTS.md).
SUGGESTED = "category+start|no-list+start|classify-as+start"


@dataclass
class EnsembleConfig(PromptConfig):
    """PromptConfig plus the wordings averaged."""

    members: list[str] = option(
        factory=list,
        help="wordings averaged, by name (lmtask.tasks.wordings.WORDINGS), e.g. " + SUGGESTED,
    )

    def check(self) -> None:
        super().check()
        if self.mode != "score":
            raise InputError("prompt-ensemble averages label scores: use mode='score'")
        unknown = [m for m in self.members if m not in WORDINGS]
        if unknown:
            raise InputError(f"unknown wording(s) {unknown}; known: {', '.join(WORDINGS)}")


@register_method("prompt-ensemble")
class PromptEnsemble(PromptClassifier):
    """Average of zero-shot classifiers that differ only in wording."""

    config_class = EnsembleConfig

    def __init__(self, *args: Any, **kw: Any) -> None:
        config = kw.get("config")
        if not (config.members if config is not None else kw.get("members")):
            raise InputError(
                f"prompt-ensemble needs its member wordings: members={SUGGESTED} (names from "
                "lmtask.tasks.wordings)"
            )
        super().__init__(*args, **kw)
        shared = {f.name: getattr(self.config, f.name) for f in fields(PromptConfig)}
        self.members = [
            ZeroShot(task=WORDINGS[m].apply(self.task), model=self.lm,
                     config=ZeroShotConfig(**shared))
            for m in self.config.members
        ]  # fmt: skip

    @property
    def calibration_mode(self) -> str | None:  # type: ignore[override]
        """Each member calibrates as its own wording says; none of the ensemble's own."""
        return None

    @property
    def answers_depend_on_batch(self) -> bool:
        return any(m.answers_depend_on_batch for m in self.members)

    @property  # type: ignore[override]
    def needs_training_data(self) -> bool:  # type: ignore[override]
        """calibration="auto" before :meth:`fit`: each wording chooses its own."""
        return any(m.needs_training_data for m in self.members)

    @classmethod
    def trains_on(cls, options: Mapping[str, Any], task: Any = None) -> bool:
        """As zero-shot: only ``calibration="auto"`` learns from labelled texts."""
        return ZeroShot.trains_on(options, task)

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> PromptEnsemble:
        """With ``calibration="auto"``: every wording chooses its calibration on these
        labelled texts, as :meth:`ZeroShot.fit` does (so it may differ between wordings)."""
        if not any(m.wants_calibration and m.config.calibration == "auto" for m in self.members):
            raise InputError("prompt-ensemble learns nothing from examples unless calibration=auto")
        texts, labels = list(texts), list(labels)
        for member in self.members:
            member.fit(texts, labels)
        return self

    def artifact_state(self) -> dict[str, Any]:
        return {"members": [m.artifact_state() for m in self.members]}

    def pins(self) -> dict[str, str]:
        return {k: v for m in self.members for k, v in m.pins().items()}

    def restore_state(self, state: dict[str, Any]) -> None:
        for member, kept in zip(self.members, state.get("members") or [], strict=False):
            member.restore_state(kept)

    def log_probs(self, texts: Sequence[str], progress: Any = None) -> np.ndarray:
        """(n, n_labels) log of the members' mean label probabilities."""
        texts = list(texts)
        total = np.zeros((len(texts), len(self.labels)))
        for member in self.members:
            order = [member.labels.index(lb) for lb in self.labels]
            total += np.exp(member.log_probs(texts))[:, order]
            if progress:
                progress(0)
        return np.log(np.maximum(total / len(self.members), 1e-300))

    def describe(self) -> dict[str, Any]:
        out = {**super().describe(), "members": list(self.config.members)}
        modes = [m.calibration_mode for m in self.members]  # each wording calibrates itself
        out["calibrate"] = any(m.calibrating for m in self.members)
        out["calibration"] = modes[0] if len(set(modes)) == 1 else modes
        if self.config.calibration == "auto":
            out["chosen_calibrations"] = [m.chosen_calibration for m in self.members]
        return out
