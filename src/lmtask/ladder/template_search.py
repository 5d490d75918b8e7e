"""Template search: try several written prompts on a dev split and keep the best.

A :class:`Candidate` is one way of asking: a template (with ``{text}``, optionally
``{labels}``), how the answer starts, and optionally other surface words per label.
:func:`search` evaluates every candidate with one loaded model on the same dev rows and
ranks them by dev accuracy (ties: macro-F1, then candidate order). Search on a *dev* split
and evaluate the chosen task on other rows: the dev score of the winner is optimistic.

>>> from lmtask.tasks import Task
>>> task = Task.from_labels(["positive", "negative"], name="tone")
>>> cands = builtin_candidates(task)
>>> [c.name for c in cands][:3]
['task', 'task+start', 'which']
>>> cands[2].apply(task).render_instruction("Great film!")
'Great film!\\nWhich of these is it: positive or negative?'
>>> result = search(task, "smollm2-135m-instruct", dev)          # doctest: +SKIP
>>> result.best.name, result.best.accuracy                      # doctest: +SKIP
('classify', 0.81)
>>> result.save("runs/search/search.json")                      # doctest: +SKIP
>>> result.task_yaml("runs/search/best-task.yaml")               # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from lmtask.atomic import write_atomic
from lmtask.data import LabeledData, check_labels, fingerprint
from lmtask.errors import InputError, LmtaskError, TaskError
from lmtask.tasks import Label, Task
from lmtask.tasks.task import read_yaml_or_json

FORMAT = "lmtask-template-search/1"
GENERIC_TEMPLATES: tuple[tuple[str, str], ...] = (
    ("which", "{text}\nWhich of these is it: {labels}?"),
    ("category", "Text: {text}\nCategory ({labels}):"),
    ("classify", "Classify the text as {labels}.\n\n{text}"),
    ("question", "{text}\n\nQuestion: Is this {labels}? Answer with one word."),
    ("pick", "Read the text and pick one label from: {labels}.\nText: {text}"),
)
_ARTICLES = {"a", "an", "the"}


@dataclass(frozen=True)
class Candidate:
    """One prompt wording: template, answer start and (optional) label words override."""

    name: str
    template: str
    answer_start: str = ""
    words: Mapping[str, Sequence[str]] | None = None

    def apply(self, task: Task) -> Task:
        """``task`` with this candidate's wording; raises TaskError if the result is invalid."""
        labels = task.labels
        if self.words:
            unknown = sorted(set(self.words) - set(task.label_names))
            if unknown:
                raise TaskError(
                    f"candidate {self.name!r} gives words for unknown label(s) {unknown}; "
                    f"labels are {task.label_names}"
                )
            labels = tuple(
                replace(lb, words=tuple(self.words[lb.name])) if lb.name in self.words else lb
                for lb in task.labels
            )
        # a candidate is measured as written: no calibration the base task may recommend
        return replace(task, template=self.template, answer_start=self.answer_start,
                       labels=labels, calibrate=False, calibration="")  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        words = {k: list(v) for k, v in self.words.items()} if self.words else None
        return {"name": self.name, "template": self.template,
                "answer_start": self.answer_start, "words": words}  # fmt: skip


def _description_word(label: Label) -> str | None:
    """The first non-article word of a label's description (letters only), if any."""
    for w in (label.description or "").split():
        w = "".join(c for c in w if c.isalnum() or c in "-'")
        if w and w.lower() not in _ARTICLES:
            return w
    return None


def builtin_candidates(task: Task) -> list[Candidate]:
    """The task's own template plus generic wordings, each with answer start "" and the
    task's own (when it has one), and a label-words variant from descriptions (if any)."""
    templates = [("task", task.template)]
    templates += [(n, t) for n, t in GENERIC_TEMPLATES if t != task.template]
    starts = [""] + ([task.answer_start] if task.answer_start else [])
    out: list[Candidate] = []
    for name, template in templates:
        for start in starts:
            out.append(Candidate(name + ("+start" if start else ""), template, start))
    desc = {lb.name: _description_word(lb) for lb in task.labels}
    if all(desc.values()):
        words = {
            lb.name: list(dict.fromkeys([*lb.words, str(desc[lb.name])])) for lb in task.labels
        }
        out.append(Candidate("task+desc-words", task.template, task.answer_start, words))
    return out


def _as_words(name: str, raw: Any) -> dict[str, list[str]] | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise InputError(f"candidate {name!r}: 'words' must map label -> list of words")
    out = {}
    for label, ws in raw.items():
        ws = [ws] if isinstance(ws, str) else ws
        if not isinstance(ws, list) or not ws or not all(isinstance(w, str) for w in ws):
            raise InputError(f"candidate {name!r}: words of {label!r} must be a list of strings")
        out[str(label)] = ws
    return out


def load_candidates(path: str | os.PathLike[str]) -> list[Candidate]:
    """Candidates from a YAML/JSON file: a list (or ``{candidates: [...]}``) of mappings
    with ``template`` and optional ``name``, ``answer_start`` and ``words``."""
    p = Path(path)
    data = read_yaml_or_json(p, "candidates file", InputError)
    if isinstance(data, Mapping) and "candidates" in data:
        data = data["candidates"]
    if not isinstance(data, list) or not data:
        raise InputError(f"{p} must hold a non-empty list of candidates ({{template: ...}})")
    out: list[Candidate] = []
    for i, item in enumerate(data):
        if not isinstance(item, Mapping) or not isinstance(item.get("template"), str):
            raise InputError(f"{p}: candidate {i + 1} needs a 'template' string")
        extra = set(item) - {"name", "template", "answer_start", "words"}
        if extra:
            raise InputError(f"{p}: candidate {i + 1} has unknown field(s) {sorted(extra)}")
        name = str(item.get("name") or f"candidate-{i + 1}")
        start = item.get("answer_start") or ""
        if not isinstance(start, str):
            raise InputError(f"{p}: candidate {name!r}: 'answer_start' must be a string")
        out.append(Candidate(name, item["template"], start, _as_words(name, item.get("words"))))
    names = [c.name for c in out]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise InputError(f"{p}: candidate names must be unique; repeated: {dupes}")
    return out


@dataclass
class CandidateResult:
    """One candidate's dev scores (``error`` set, scores None, when it could not run)."""

    name: str
    template: str
    answer_start: str
    words: dict[str, list[str]] | None
    order: int
    accuracy: float | None = None
    macro_f1: float | None = None
    seconds: float = 0.0
    error: str | None = None

    def sort_key(self) -> tuple:
        if self.error is not None or self.accuracy is None:
            return (1, 0.0, 0.0, self.order)
        return (0, -self.accuracy, -(self.macro_f1 or 0.0), self.order)


@dataclass
class SearchResult:
    """All candidates' scores (best first), the winning task and what it was searched on."""

    rows: list[CandidateResult]
    best_task: Task
    model: str
    method: str
    dev_source: str
    dev_n: int
    dev_fingerprint: str
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def best(self) -> CandidateResult:
        return self.rows[0]

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "model": self.model,
            "method": self.method,
            "dev": {
                "source": self.dev_source,
                "n": self.dev_n,
                "fingerprint": self.dev_fingerprint,
            },
            "best": self.best.name,
            "task": self.best_task.to_dict(),
            "candidates": [asdict(r) for r in self.rows],
            "meta": self.meta,
            "note": "dev scores are optimistic for the winner: evaluate it on other rows",
        }

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the whole result as JSON, atomically."""
        return _write_atomic(Path(path), json.dumps(self.to_dict(), indent=2, ensure_ascii=False))

    def task_yaml(self, path: str | os.PathLike[str]) -> Path:
        """Write the winning task as a task file for ``--task`` / :func:`lmtask.get_task`."""
        head = f"# chosen by template search: candidate {self.best.name!r}\n"
        body = yaml.safe_dump(self.best_task.to_dict(), sort_keys=False, allow_unicode=True)
        return _write_atomic(Path(path), head + body)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> SearchResult:
        """Read back what :meth:`save` wrote."""
        p = Path(path)
        try:
            doc = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            raise InputError(f"cannot read search result {p}: {e}") from None
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise InputError(f"{p} is not a template search result ({FORMAT})")
        return cls(
            rows=[CandidateResult(**r) for r in doc["candidates"]],
            best_task=Task.from_dict(doc["task"]),
            model=doc["model"],
            method=doc["method"],
            dev_source=doc["dev"]["source"],
            dev_n=doc["dev"]["n"],
            dev_fingerprint=doc["dev"]["fingerprint"],
            meta=doc.get("meta", {}),
        )


def _write_atomic(path: Path, text: str) -> Path:
    return write_atomic(path, text if text.endswith("\n") else text + "\n")


def _build(method: str, task: Task, lm: Any, options: dict[str, Any], pool: Any) -> Any:
    """A prompt method through the library factory (refused for other methods)."""
    from lmtask.methods import PromptClassifier, build_and_fit, parse_spec

    spec = parse_spec(method)
    if not issubclass(spec.cls, PromptClassifier):
        raise InputError(
            f"template search needs a prompt method (zero-shot, few-shot), not {method!r}"
        )
    return build_and_fit(spec, pool, task=task, model=lm, options=options)


def search(
    task: Task,
    model: Any,
    dev: LabeledData,
    candidates: Sequence[Candidate] | None = None,
    method: str = "zero-shot",
    method_options: Mapping[str, Any] | None = None,
    progress: bool = False,
    *,
    dtype: str = "auto",
    pool: LabeledData | None = None,
) -> SearchResult:
    """Evaluate every candidate (default: :func:`builtin_candidates`) on ``dev`` with one
    loaded ``model`` (alias, path or LoadedModel) and rank them. ``pool`` gives the examples of
    methods that need them (few-shot); rows whose text is in ``dev`` are dropped from it.
    A candidate that cannot run (bad placeholder, unknown label) is recorded with its error.
    """
    from lmtask.evaluation.report import evaluate
    from lmtask.models import load_model

    cands = list(builtin_candidates(task) if candidates is None else candidates)
    if not cands:
        raise InputError("no candidates to search")
    check_labels(dev, task.label_names)
    if not len(dev):
        raise InputError(f"{dev.source} has no dev rows to search on")
    if pool is not None:
        held = set(dev.texts)
        pool = pool.subset([i for i, t in enumerate(pool.texts) if t not in held])
    lm = load_model(model, dtype=dtype)
    options = dict(method_options or {})
    rows: list[CandidateResult] = []
    tasks: dict[int, Task] = {}
    for i, cand in enumerate(cands):
        words = {k: list(v) for k, v in cand.words.items()} if cand.words else None
        row = CandidateResult(cand.name, cand.template, cand.answer_start, words, i)
        start = time.perf_counter()
        try:
            cand_task = cand.apply(task)
            report = evaluate(_build(method, cand_task, lm, options, pool), dev, progress=progress)
            row.accuracy, row.macro_f1 = report.accuracy, report.macro_f1
            tasks[i] = cand_task
        except LmtaskError as e:
            row.error = str(e)
        row.seconds = time.perf_counter() - start
        rows.append(row)
    rows.sort(key=CandidateResult.sort_key)
    if rows[0].error is not None:
        raise InputError(f"no candidate could be evaluated; the first error: {rows[0].error}")
    best_task = replace(tasks[rows[0].order], meta={})
    return SearchResult(
        rows=rows,
        best_task=best_task,
        model=str(lm.name),
        method=method,
        dev_source=dev.source,
        dev_n=len(dev),
        dev_fingerprint=fingerprint(dev),
        meta={"method_options": {k: v for k, v in options.items() if _jsonable(v)}},
    )


def _jsonable(v: Any) -> bool:
    try:
        json.dumps(v)
    except (TypeError, ValueError):
        return False
    return True


__all__ = [
    "Candidate",
    "CandidateResult",
    "SearchResult",
    "builtin_candidates",
    "load_candidates",
    "search",
]
