"""lmtask: turn a pretrained language model into a working text classifier, offline.

The idea in one line: a task (labels, instruction) + a method (zero-shot ... fine-tuning) +
a model (weights) gives a classifier, which predicts, evaluates, saves and serves the same
way whatever the method. Names load lazily: ``import lmtask.data`` does not import torch.

>>> import lmtask
>>> clf = lmtask.ZeroShot(task="sentiment")                      # doctest: +SKIP
>>> clf.predict(["I love the sunny weather today."])[0].label    # doctest: +SKIP
'positive'
>>> lmtask.classify(["def f(): pass"], labels="C++,Python")[0].label  # doctest: +SKIP
'Python'
>>> lmtask.build("few-shot:shots=8:select=nearest", task="sentiment")  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

from lmtask.errors import (  # noqa: F401 (public names, in __all__)
    ArtifactError,
    InputError,
    LmtaskError,
    ModelNotFoundError,
    TaskError,
)
from lmtask.prediction import Prediction

__version__ = "0.1.0"

# public name -> the module that defines it (imported on first use)
_LAZY = {
    **dict.fromkeys(["load", "save"], "lmtask.artifacts"),
    **dict.fromkeys(
        [
            "ChainOfThought",
            "Classifier",
            "FewShot",
            "Finetune",
            "Lora",
            "LoraLM",
            "Majority",
            "MultiLabel",
            "PrefixTuning",
            "PromptTuning",
            "Vader",
            "ZeroShot",
            "ZeroShotConfig",
            "build",
            "build_and_fit",
            "fit_method",
            "get_method",
            "list_methods",
            "parse_spec",
        ],
        "lmtask.methods",
    ),
    **dict.fromkeys(["DEFAULT_MODEL", "MODELS", "LoadedModel", "load_model"], "lmtask.models"),
    **dict.fromkeys(["Label", "Task", "get_task", "list_tasks", "register_task"], "lmtask.tasks"),
    **dict.fromkeys(["Candidate", "SearchResult", "builtin_candidates", "search"], "lmtask.ladder"),
    **dict.fromkeys(
        ["GenerationConfig", "TextTask", "generate", "get_text_task", "list_text_tasks"],
        "lmtask.text_tasks",
    ),
    **dict.fromkeys(["TrainConfig", "TrainResult"], "lmtask.engine.training"),
    **dict.fromkeys(["Report", "evaluate"], "lmtask.evaluation"),
    "TextClassifier": "lmtask.estimator",
}
_RENAMED = {"fit_method": "fit"}

__all__ = sorted(
    [*_LAZY, "ArtifactError", "InputError", "LmtaskError", "ModelNotFoundError", "Prediction",
     "TaskError", "__version__", "classify"]
)  # fmt: skip


def classify(
    texts: Sequence[str] | str,
    task: Any = None,
    labels: Sequence[str] | str | None = None,
    model: Any = None,
    **options: Any,
) -> list[Prediction]:
    """Zero-shot classify ``texts`` in one call (see :class:`ZeroShot` for options)."""
    from lmtask.methods import ZeroShot

    return ZeroShot(task=task, model=model, labels=labels, **options).predict(texts)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        try:  # a subpackage: lmtask.methods, lmtask.ladder, ...
            return importlib.import_module(f"lmtask.{name}")
        except ModuleNotFoundError:
            raise AttributeError(f"module 'lmtask' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), _RENAMED.get(name, name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
