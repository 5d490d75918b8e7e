"""The classifier a ``classify`` call means: a method spec, or a built-in task's detector.

:class:`ClassifierSpec` names a classifier the way every front end does (``serve``,
``batch``, ``probe``): a saved artifact folder, or task / labels / method / model. It is a
small picklable value, so a Ray actor or a server worker can build the same classifier.

A built-in task may ship a trained classifier (``lmtask.tasks.builtin_detector``: for
``code-language`` a character n-gram model trained on the project's code corpus, and a
linear head on the default LM's first 4 layers for the snippets the n-grams are unsure of:
:data:`PAIR`). When no method is named and the labels are the task's own, that detector
answers; naming a method (``zero-shot``, ``few-shot``, ...) uses the language model as always.

>>> clf = classifier_for(None, task="code-language")           # doctest: +SKIP
>>> clf.method_name, clf.fast.method_name, clf.slow.method_name  # doctest: +SKIP
('cascade', 'ngram', 'lm-features')
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lmtask.errors import InputError
from lmtask.methods import build_and_fit, check_options

DEFAULT_METHOD = "zero-shot"
# A built-in task that ships a detector and an lm-features head answers with both (the head
# only for the texts the detector is unsure of): code-language, bench/RESULTS.md. Texts of
# under 3 non-blank lines (no corpus window is that short) get the detector's own answer,
# "unknown" below its threshold: the head is confidently wrong on "hello there" or "42".
PAIR = "cascade:slow=detector:slow_min_lines=3:warn_not_code"


def classifier_for(
    method: str | None,
    *,
    task: Any = None,
    labels: Any = None,
    model: Any = None,
    dtype: str = "auto",
    options: Mapping[str, Any] | None = None,
    pool: Any = None,
) -> Any:
    """``method`` built through the factory, or (``method`` None) the task's detector."""
    from lmtask.artifacts import load
    from lmtask.tasks import builtin_detector

    folder = builtin_detector(task) if method is None and labels is None else None
    if folder is not None and model is None:
        pair = builtin_detector(task, "lm-features") is not None
        clf = build_and_fit(PAIR, task=task) if pair else load(folder)
        opts = {k: v for k, v in (options or {}).items() if v is not None}
        known = set(clf.config_class.option_names())
        if set(opts) - known - {"seed", "batch_size"}:
            check_options([clf.method_name], opts)  # names what does not apply
        given = {k: v for k, v in opts.items() if k in known}
        if given:
            clf.config = dataclasses.replace(clf.config, **given)
        return clf
    spec = method or DEFAULT_METHOD
    check_options([spec], options or {})
    return build_and_fit(spec, pool, task=task, labels=labels, model=model, dtype=dtype,
                         options=options)  # fmt: skip


@dataclass(frozen=True)
class ClassifierSpec:
    """A classifier by name: ``artifact`` (a saved folder), or task / labels / method.

    ``examples`` is a labelled file (CSV/JSONL/...) for methods that need training data
    (few-shot examples, fine-tuning). ``build()`` makes the classifier; equal specs build
    classifiers that predict the same.

    >>> spec = ClassifierSpec(task="sentiment", method="zero-shot:calibrate")
    >>> spec.name
    'sentiment'
    >>> ClassifierSpec(artifact="runs/a", task="sentiment")
    Traceback (most recent call last):
    ...
    lmtask.errors.InputError: give a saved artifact or --task/--labels/--method, not both
    """

    artifact: str | None = None
    task: str | None = None
    labels: str | None = None
    method: str | None = None
    model: str | None = None
    dtype: str = "auto"
    options: Mapping[str, Any] = field(default_factory=dict)
    examples: str | None = None
    label: str | None = None  # the name a server shows; default: see ``name``

    def __post_init__(self) -> None:
        described = (self.task, self.labels, self.method, self.model, self.examples)
        if self.artifact is not None and any(x is not None for x in described):
            raise InputError("give a saved artifact or --task/--labels/--method, not both")
        if self.artifact is None and self.task is None and self.labels is None:
            raise InputError("name a classifier: a saved artifact folder, --task or --labels")
        if self.artifact is None:  # an unknown task, empty or repeated labels: refused now,
            from lmtask.tasks import resolve_task  # not after a server or a batch has started

            resolve_task(self.task, self.labels)

    @property
    def name(self) -> str:
        """``label`` if given; else the artifact folder's name, the task, or the labels."""
        if self.label:
            return self.label
        if self.artifact is not None:
            return Path(self.artifact).name
        return self.task or str(self.labels).replace(" ", "")

    def build(self) -> Any:
        """The classifier (loads the model; fits on ``examples`` when the method needs it)."""
        if self.artifact is not None:
            from lmtask.artifacts import load

            return load(self.artifact)
        pool = None
        if self.examples is not None:
            from lmtask.data import read_table

            pool = read_table(self.examples)
        return classifier_for(self.method, task=self.task, labels=self.labels, model=self.model,
                              dtype=self.dtype, options=dict(self.options), pool=pool)  # fmt: skip


__all__ = ["DEFAULT_METHOD", "ClassifierSpec", "classifier_for"]
