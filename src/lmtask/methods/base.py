"""The classifier interface every method implements, and the method registry.

Every method has one constructor shape, ``Method(task=None, model=None, *, labels=None,
dtype="auto", config=None, **options)``, where ``options`` are the fields of its
``config_class`` (a :class:`~lmtask.config.Config` that checks itself). New methods plug in
with :func:`register_method`::

    @register_method("my-method")
    class MyMethod(Classifier):
        config_class = MyConfig
        ...

>>> from lmtask.methods import list_methods
>>> "zero-shot" in list_methods() and "majority" in list_methods()
True
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, TypeVar

import numpy as np

from lmtask.config import Config
from lmtask.errors import InputError, LmtaskError
from lmtask.inputs import check_texts
from lmtask.prediction import Prediction
from lmtask.tasks import Task

C = TypeVar("C", bound=type)

_METHODS: dict[str, type[Classifier]] = {}

# The shipped methods: name -> the module that registers it, imported on first use, so that
# naming one method (the n-gram detector) never imports the others (torch, transformers).
BUILTIN_METHODS: dict[str, str] = {
    "majority": "lmtask.methods.baseline.majority",
    "ngram": "lmtask.methods.baseline.ngram",
    "vader": "lmtask.methods.baseline.vader",
    "zero-shot": "lmtask.methods.prompt.zero_shot",
    "few-shot": "lmtask.methods.prompt.few_shot",
    "chain-of-thought": "lmtask.methods.prompt.chain_of_thought",
    "multi-label": "lmtask.methods.prompt.multi_label",
    "prompt-ensemble": "lmtask.methods.prompt.ensemble",
    "finetune": "lmtask.methods.trained.finetune",
    "lora": "lmtask.methods.trained.finetune",
    "prompt-tuning": "lmtask.methods.trained.peft_lm",
    "prefix-tuning": "lmtask.methods.trained.peft_lm",
    "lora-lm": "lmtask.methods.trained.peft_lm",
    "setfit": "lmtask.methods.trained.setfit",
    "lm-features": "lmtask.methods.trained.lm_features",
    "cascade": "lmtask.ladder.cascade",  # composes methods and saved artifacts
}


def register_method(name: str) -> Callable[[C], C]:
    """Class decorator: make a classifier available by ``name`` (specs, CLI ``--method``)."""

    def deco(cls: C) -> C:
        _METHODS[name] = cls  # type: ignore[assignment]
        cls.method_name = name  # type: ignore[attr-defined]
        return cls

    return deco


def list_methods() -> list[str]:
    """Every method's name: the shipped ones (imported or not) and those registered since."""
    return sorted(set(_METHODS) | set(BUILTIN_METHODS))


def get_method(name: str) -> type[Classifier]:
    """The class registered as ``name``; a shipped method's module is imported on first use."""
    if name not in _METHODS and name in BUILTIN_METHODS:
        importlib.import_module(BUILTIN_METHODS[name])
    try:
        return _METHODS[name]
    except KeyError:
        raise InputError(
            f"unknown method {name!r}; available: {', '.join(list_methods())}"
        ) from None


class Classifier(ABC):
    """Predicts one of ``task.labels`` for each text.

    Class facts the factory reads: ``needs_training_data`` (call ``fit(texts, labels)``
    before predicting) and ``trains_in_steps`` (``fit(..., resume=True)`` continues from the
    last checkpoint in ``config.output_dir``).
    """

    method_name: ClassVar[str] = "base"
    config_class: ClassVar[type[Config]] = Config
    needs_training_data: ClassVar[bool] = False
    trains_in_steps: ClassVar[bool] = False
    task: Task | None
    config: Config

    @classmethod
    def trains_on(cls, options: Mapping[str, Any], task: Any = None) -> bool:
        """Whether this method, with these spec options for this task, must be fitted on
        labelled examples (``needs_training_data`` unless a method knows better)."""
        return cls.needs_training_data

    def make_config(self, config: Config | None, options: Mapping[str, Any]) -> Config:
        """``config`` as given, or one built (and checked) from ``options``."""
        if config is not None:
            if options:
                raise InputError(f"give {self.method_name} either config= or options, not both")
            if not isinstance(config, self.config_class):
                raise InputError(
                    f"{self.method_name} takes a {self.config_class.__name__}, "
                    f"not a {type(config).__name__}"
                )
            return config
        return self.config_class.from_options(options, owner=self.method_name)

    @property
    def labels(self) -> list[str]:
        if self.task is None:
            raise LmtaskError("this classifier has no labels yet: call fit(texts, labels) first")
        return self.task.label_names

    @abstractmethod
    def predict(self, texts: Sequence[str] | str, progress: bool = False) -> list[Prediction]:
        """One :class:`Prediction` per text, in order."""

    @property
    def answers_depend_on_batch(self) -> bool:
        """Whether a text's answer depends on the other texts of the same predict call (batch
        calibration); a server then uses :meth:`predict_each` to keep requests apart."""
        return False

    def predict_each(self, requests: Sequence[Sequence[str]]) -> list[list[Prediction]]:
        """Predictions for several independent requests: one predict call over all their
        texts, split back (a method whose answers depend on the batch keeps them apart)."""
        if self.answers_depend_on_batch:  # one call per request: none changes another
            return [self.predict(list(r)) if len(r) else [] for r in requests]
        sizes = [len(r) for r in requests]
        flat = self.predict([t for r in requests for t in r]) if sum(sizes) else []
        out, start = [], 0
        for n in sizes:
            out.append(list(flat[start : start + n]))
            start += n
        return out

    def predict_proba(self, texts: Sequence[str] | str) -> np.ndarray:
        """(n_texts, n_labels) probabilities in ``self.labels`` order."""
        preds = self.predict(texts)
        return np.array([[p.scores.get(lb, 0.0) for lb in self.labels] for p in preds]).reshape(
            len(preds), len(self.labels)
        )

    def artifact_state(self) -> dict[str, Any]:
        """What besides task, config and model this classifier needs to be rebuilt (JSON,
        plus an optional ``"tensors"`` dict saved as safetensors)."""
        return {}

    @classmethod
    def from_artifact(
        cls, task: Task, lm: Any, config: dict[str, Any], state: dict[str, Any], tensors: Any
    ) -> Classifier:
        """Inverse of :meth:`artifact_state` (see :mod:`lmtask.artifacts`)."""
        return cls(task=task, model=lm, config=cls.config_class(**config))

    def input_notes(self, texts: Sequence[str]) -> list[str]:
        """What a user should know about these texts as input (e.g. a code detector: "3
        texts read as prose"); the server adds them to a reply's warnings. Default: none."""
        return []

    def describe(self) -> dict[str, Any]:
        return {"method": self.method_name, "task": self.task.name if self.task else None,
                "labels": self.labels if self.task else []}  # fmt: skip


__all__ = ["Classifier", "check_texts", "get_method", "list_methods", "register_method"]
