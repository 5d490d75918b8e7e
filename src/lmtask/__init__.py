"""lmtask: turn a pretrained language model into a working text classifier, offline.

>>> import lmtask
>>> clf = lmtask.ZeroShot(task="sentiment")                      # doctest: +SKIP
>>> clf.predict(["I love the sunny weather today."])[0].label    # doctest: +SKIP
'positive'
>>> lmtask.classify(["def f(): pass"], labels="C++,Python")[0].label  # doctest: +SKIP
'Python'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lmtask.artifacts import load, save
from lmtask.errors import InputError, LmtaskError, ModelNotFoundError, TaskError
from lmtask.methods import (
    ChainOfThought,
    Classifier,
    FewShot,
    Finetune,
    Lora,
    MultiLabel,
    ZeroShot,
    ZeroShotConfig,
    get_method,
    list_methods,
)
from lmtask.models import DEFAULT_MODEL, MODELS, LoadedModel, load_model
from lmtask.prediction import Prediction
from lmtask.tasks import Label, Task, get_task, list_tasks, register_task
from lmtask.template_search import Candidate, SearchResult, builtin_candidates, search
from lmtask.text_tasks import GenerationConfig, TextTask, generate, get_text_task, list_text_tasks
from lmtask.training import TrainConfig, TrainResult

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_MODEL",
    "MODELS",
    "Candidate",
    "ChainOfThought",
    "Classifier",
    "FewShot",
    "Finetune",
    "GenerationConfig",
    "InputError",
    "Label",
    "LmtaskError",
    "LoadedModel",
    "Lora",
    "ModelNotFoundError",
    "MultiLabel",
    "Prediction",
    "Report",
    "SearchResult",
    "Task",
    "TaskError",
    "TextClassifier",
    "TextTask",
    "TrainConfig",
    "TrainResult",
    "ZeroShot",
    "ZeroShotConfig",
    "__version__",
    "builtin_candidates",
    "classify",
    "evaluate",
    "generate",
    "get_method",
    "get_task",
    "get_text_task",
    "list_methods",
    "list_tasks",
    "list_text_tasks",
    "load",
    "load_model",
    "register_task",
    "save",
    "search",
]


def classify(
    texts: Sequence[str] | str,
    task: Task | str | None = None,
    labels: Sequence[str] | str | None = None,
    model: Any = DEFAULT_MODEL,
    **options: Any,
) -> list[Prediction]:
    """Zero-shot classify ``texts`` in one call (see :class:`ZeroShot` for options)."""
    return ZeroShot(task=task, model=model, labels=labels, **options).predict(texts)


def __getattr__(name: str) -> Any:
    if name == "TextClassifier":  # imports scikit-learn: only when first used
        from lmtask.estimator import TextClassifier

        return TextClassifier
    if name in ("evaluate", "Report"):
        from lmtask import evaluation

        return getattr(evaluation, name)
    raise AttributeError(f"module 'lmtask' has no attribute {name!r}")
