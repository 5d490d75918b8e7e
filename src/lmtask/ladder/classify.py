"""The classifier a ``classify`` call means: a method spec, or a built-in task's detector.

A built-in task may ship a trained classifier (``lmtask.tasks.builtin_detector``: for
``code-language`` a character n-gram model trained on the project's code corpus). When no
method is named and the labels are the task's own, that detector answers; naming a method
(``zero-shot``, ``few-shot``, ...) uses the language model as always.

>>> clf = classifier_for(None, task="code-language")           # doctest: +SKIP
>>> clf.method_name                                            # doctest: +SKIP
'ngram'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from lmtask.methods import build_and_fit, check_options

DEFAULT_METHOD = "zero-shot"


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
        clf = load(folder)
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


__all__ = ["DEFAULT_METHOD", "classifier_for"]
