"""Tasks: a registry of named tasks (built-in YAML files, user registrations, task files).

>>> from lmtask.tasks import get_task, list_tasks
>>> "sentiment" in list_tasks()
True
>>> get_task("sentiment").label_names
['positive', 'negative', 'angry']
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path

from lmtask.errors import TaskError
from lmtask.tasks.task import DEFAULT_TEMPLATE, Label, Task, join_labels, validate_labels

__all__ = [
    "DEFAULT_TEMPLATE",
    "Label",
    "Task",
    "builtin_detector",
    "get_task",
    "join_labels",
    "list_tasks",
    "register_task",
    "resolve_task",
    "validate_labels",
]

_REGISTRY: dict[str, Callable[[], Task]] = {}


def register_task(name: str, factory: Callable[[], Task] | Task) -> None:
    """Register a task under ``name`` (a Task, or a function that builds one)."""
    _REGISTRY[name] = factory if callable(factory) else (lambda: factory)  # type: ignore[misc]


def _builtin(file: str) -> Callable[[], Task]:
    def load() -> Task:
        ref = resources.files("lmtask.tasks") / "builtin" / file
        with resources.as_file(ref) as p:
            return Task.from_file(p)

    return load


for _f in ("sentiment.yaml", "code-language.yaml", "topic.yaml"):
    register_task(_f.rsplit(".", 1)[0], _builtin(_f))


def list_tasks() -> list[str]:
    return sorted(_REGISTRY)


def get_task(name: str | Path) -> Task:
    """A registered task by name, or a task file (``.yaml``, ``.yml``, ``.json``)."""
    if isinstance(name, Task):
        return name
    s = str(name)
    if s in _REGISTRY:
        return _REGISTRY[s]()
    if s.endswith((".yaml", ".yml", ".json")) or Path(s).is_file():
        return Task.from_file(s)
    raise TaskError(f"unknown task {s!r}; known tasks: {', '.join(list_tasks())} (or a .yaml file)")


def resolve_task(task: Task | str | None = None, labels: list[str] | str | None = None) -> Task:
    """The task a user means: a named task, optionally with other labels, or labels alone."""
    if task is None and labels is None:
        raise TaskError("give a task (e.g. 'sentiment') or labels (e.g. 'C++,Python')")
    if task is None:
        return Task.from_labels(labels)  # type: ignore[arg-type]
    t = task if isinstance(task, Task) else get_task(task)
    return t.with_labels(labels) if labels is not None else t


def builtin_detector(task: object, kind: str = "") -> Path | None:
    """The folder of a trained classifier shipped with lmtask for a built-in task, or None.

    ``kind=""``: the one the task uses by default (for ``code-language`` a character n-gram
    model trained on the project's code corpus); ``kind="lm-features"``: the head on the
    default LM's early layers that ``cascade:slow=detector`` asks about unsure texts (see
    bench/train_code_detector.py).

    >>> builtin_detector("code-language").name, builtin_detector("sentiment")
    ('code-language', None)
    """
    if not isinstance(task, str):
        return None
    name = f"{task}.{kind}" if kind else task
    folder = Path(__file__).parent / "builtin" / "detectors" / name
    return folder if (folder / "manifest.json").is_file() else None
