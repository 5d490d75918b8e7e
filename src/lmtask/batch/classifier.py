"""The classifier of a batch run: a spec every worker can rebuild, and what the manifest says.

>>> from lmtask.ladder import ClassifierSpec
>>> spec = portable(ClassifierSpec(artifact="runs/best"))
>>> Path(spec.artifact).is_absolute()
True
>>> portable_method("cascade:threshold=0.9")  # only paths among the options change
'cascade:threshold=0.9'
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from lmtask.ladder import ClassifierSpec


def _absolute(value: str | None, must_exist: bool = False) -> str | None:
    """A path made absolute (workers may run in another folder); other names unchanged."""
    if value is None or value.startswith(("hf://", "s3://", "gs://")):
        return value
    p = Path(value).expanduser()
    if must_exist or p.exists():
        return str(p.absolute())
    return value


def _artifact_value(value: Any) -> Any:
    """An option's value made absolute if it names a file or folder here (a saved artifact,
    ``fast=runs/ng``; a model, ``model=./enc``); other values (method names) unchanged."""
    if isinstance(value, str) and value and not Path(value).is_absolute():
        p = Path(value).expanduser()
        if p.exists() and not _a_name(value):
            return str(p.absolute())
    return value


def _a_name(value: str) -> bool:
    """A model alias or a method name: a name first, even where a folder is called so."""
    from lmtask.methods.base import list_methods
    from lmtask.models.registry import MODELS

    return value in MODELS or value in list_methods() or value == "default"


def portable_method(method: str | None) -> str | None:
    """A method spec whose ``key=path`` options name their files and folders absolutely."""
    if not method or ":" not in method:
        return method
    head, *opts = method.split(":")
    for i, opt in enumerate(opts):
        key, eq, value = opt.partition("=")
        if eq:
            opts[i] = f"{key}={_artifact_value(value)}"
    return ":".join([head, *opts])


def portable(spec: ClassifierSpec) -> ClassifierSpec:
    """``spec`` with its files (artifact, task file, model folder, examples) as absolute
    paths, so that a Ray actor in another working folder builds the same classifier."""
    if not dataclasses.is_dataclass(spec):
        return spec
    changes = {
        "artifact": _absolute(spec.artifact, must_exist=True),
        "task": _absolute(spec.task),
        "model": _absolute(spec.model),
        "examples": _absolute(spec.examples, must_exist=True),
        "method": portable_method(getattr(spec, "method", None)),
        "options": {
            k: _artifact_value(v) for k, v in (getattr(spec, "options", None) or {}).items()
        },
    }
    changes = {k: v for k, v in changes.items() if hasattr(spec, k) and getattr(spec, k) != v}
    return dataclasses.replace(spec, **changes) if changes else spec


def spec_dict(spec: Any) -> dict[str, Any]:
    """The spec as plain JSON-able data (what a resumed run must match)."""
    if dataclasses.is_dataclass(spec) and not isinstance(spec, type):
        d = dataclasses.asdict(spec)
        d["options"] = dict(d.get("options") or {})
        if type(spec) is not ClassifierSpec:
            d["class"] = f"{type(spec).__module__}.{type(spec).__qualname__}"
        return d
    return {"repr": repr(spec)}


def describe(spec: Any, clf: Any) -> dict[str, Any]:
    """The manifest's ``classifier`` entry for ``clf``, built from ``spec``."""
    lm = getattr(clf, "lm", None)
    info = clf.describe() if hasattr(clf, "describe") else {}
    return {
        "spec": spec_dict(spec),
        "name": getattr(spec, "name", None),
        "method": getattr(clf, "method_name", None),
        "labels": list(clf.labels),
        "model": getattr(lm, "name", None),
        "model_hash": getattr(lm, "source_hash", None),
        "dtype": str(lm.dtype).replace("torch.", "") if lm is not None else None,
        "pins": clf.pins() if hasattr(clf, "pins") else {},
        "answers_depend_on_batch": bool(getattr(clf, "answers_depend_on_batch", False)),
        "description": {k: v for k, v in info.items() if k != "labels"},
    }


__all__ = ["describe", "portable", "portable_method", "spec_dict"]
