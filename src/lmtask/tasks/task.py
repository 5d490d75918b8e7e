"""The Task: what to decide. Labels (with surface words), an instruction template, options.

>>> from lmtask.tasks import Task
>>> t = Task.from_labels(["positive", "negative"])
>>> t.label_names
['positive', 'negative']
>>> t.render_instruction("Great film!")
'Great film!\\n\\nWhat category is this text?'
>>> t.answer_start, t.calibrate
('The category is', True)
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from lmtask.errors import TaskError

DEFAULT_TEMPLATE = "{text}\nWhich of these is it: {labels}?"
_PLACEHOLDER = re.compile(r"(?<!{){(\w*)}(?!})")
_ALLOWED_PLACEHOLDERS = {"text", "labels"}
CALIBRATIONS = (
    "",
    "background",
    "contextual",
    "domain",
    "batch",
    "words",
)  # how a task's scores are calibrated
_SUBST = re.compile(r"\{\{|\}\}|\{(text|labels)\}")


@dataclass(frozen=True)
class Label:
    """One class. ``words`` are the surface forms scored for it (the first is the name).

    >>> Label("positive", words=("positive", "good")).words
    ('positive', 'good')
    """

    name: str
    words: tuple[str, ...] = ()
    description: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise TaskError(f"label names must be non-empty strings, got {self.name!r}")
        raw = (self.words,) if isinstance(self.words, str) else self.words
        words = tuple(raw) or (self.name,)
        if any(not isinstance(w, str) or not w.strip() for w in words):
            raise TaskError(f"label {self.name!r} has an empty surface word")
        object.__setattr__(self, "words", words)


def join_labels(names: Sequence[str], conj: str = "or") -> str:
    """Join label names as a person writes them: ``a, b, or c``; ``a or b``."""
    names = list(names)
    if len(names) <= 2:
        return f" {conj} ".join(names)
    return ", ".join(names[:-1]) + f", {conj} " + names[-1]


@dataclass(frozen=True)
class Task:
    """What to decide about a text.

    ``template`` must contain ``{text}`` and may contain ``{labels}`` (the label names joined
    as "a, b, or c"). ``system`` is an optional system prompt for chat models.
    ``answer_prefix`` follows the instruction for base (non-chat) models, whose answer is
    scored after it with a leading space. ``answer_start`` is how the answer itself begins
    ("The tone of this sentence is"): prefilled in the assistant turn of chat models, so the
    label is scored where the model would naturally say it. ``case_variants`` scores
    "Positive" and "positive" as the same answer. ``multi_label`` is reserved for multi-label tasks.
    ``calibrate`` is the measured recommendation for this task's wording: prompt methods
    calibrate its label scores unless told otherwise (``calibrate=False``), the way
    ``calibration`` names (``background``, ``contextual``, ``domain``, ``batch`` or
    ``words``; empty: contextual, unless the method's options say otherwise). ``confusable``:
    groups of labels easy to mix up (``[[C, C++], ...]``); evaluation reports count the
    confusions within each.
    """

    name: str
    labels: tuple[Label, ...]
    template: str = DEFAULT_TEMPLATE
    system: str | None = None
    answer_prefix: str = "Answer:"
    answer_start: str = ""
    case_variants: bool = True
    multi_label: bool = False
    calibrate: bool = False
    calibration: str = ""
    description: str = ""
    confusable: tuple[tuple[str, ...], ...] = ()
    meta: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        labels = tuple(lb if isinstance(lb, Label) else Label(str(lb)) for lb in self.labels)
        object.__setattr__(self, "labels", labels)
        validate_labels([lb.name for lb in labels])
        seen: dict[str, str] = {}
        for lb in labels:
            for w in self.expanded_words(lb):
                key = w.strip().casefold() if self.case_variants else w.strip()
                if key in seen and seen[key] != lb.name:
                    raise TaskError(
                        f"surface word {w!r} is used by two labels: {seen[key]!r} and {lb.name!r}"
                    )
                seen[key] = lb.name
        for f in ("template", "answer_prefix", "answer_start", "name"):
            if not isinstance(getattr(self, f), str):
                raise TaskError(f"task field {f!r} must be text, not {getattr(self, f)!r}")
        if self.system is not None and not isinstance(self.system, str):
            raise TaskError(f"task field 'system' must be text, not {self.system!r}")
        for f in ("case_variants", "multi_label", "calibrate"):
            if not isinstance(getattr(self, f), bool):
                raise TaskError(f"task field {f!r} must be true or false, not {getattr(self, f)!r}")
        if self.calibration not in CALIBRATIONS:
            raise TaskError(f"task field 'calibration' must be one of {list(CALIBRATIONS)[1:]}, "
                            f"not {self.calibration!r}")  # fmt: skip
        groups = tuple(tuple(str(x) for x in g) for g in self.confusable)
        object.__setattr__(self, "confusable", groups)
        for g in groups:
            if len(g) < 2 or set(g) - set(self.label_names):
                raise TaskError(f"task {self.name!r}: confusable group {list(g)} must name two "
                                "or more of its labels")  # fmt: skip
        if _PLACEHOLDER.findall(self.template).count("text") != 1:
            raise TaskError(f"task {self.name!r}: the template must contain {{text}} exactly once")
        unknown = set(_PLACEHOLDER.findall(self.template)) - _ALLOWED_PLACEHOLDERS
        if unknown:
            raise TaskError(
                f"task {self.name!r}: unknown placeholder(s) {sorted(unknown)} in the template; "
                "only {text} and {labels} are allowed (write {{ and }} for literal braces)"
            )

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_labels(cls, labels: Iterable[str] | str, name: str = "custom", **kw: Any) -> Task:
        """An ad-hoc task from label names (a list, or one comma-separated string).

        Unless ``template``, ``answer_start`` or ``calibrate`` are given, it has the wording
        measured best for ad-hoc labels (:data:`lmtask.tasks.wordings.AD_HOC`; the table is in
        bench/RESULTS.md, "Prompt selection for ad-hoc labels").
        """
        from lmtask.tasks.wordings import AD_HOC

        if isinstance(labels, str):
            labels = [s.strip() for s in labels.split(",")]
        kw.setdefault("template", AD_HOC.template)
        kw.setdefault("answer_start", AD_HOC.answer_start)
        kw.setdefault("calibrate", AD_HOC.calibrate)
        kw.setdefault("calibration", AD_HOC.calibration)
        return cls(name=name, labels=tuple(Label(str(x)) for x in labels), **kw)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Task:
        """Build from the YAML/JSON shape; see ``tasks/builtin/sentiment.yaml``."""
        if not isinstance(data, Mapping):
            raise TaskError("a task file must hold a mapping with at least 'labels'")
        data = dict(data)
        raw = data.pop("labels", None)
        if raw is None:
            raise TaskError("a task needs 'labels'")
        labels: list[Label] = []
        _check_plain_names(raw)
        if isinstance(raw, Mapping):
            for name, spec in raw.items():
                spec = spec or {}
                if isinstance(spec, str):
                    spec = {"description": spec}
                elif isinstance(spec, list):
                    spec = {"words": spec}
                elif not isinstance(spec, Mapping):
                    raise TaskError(
                        f"label {name!r}: give a description, a list of words or a mapping "
                        f"with 'words'/'description', not {spec!r}"
                    )
                _check_label_spec(name, spec)
                words = spec.get("words") or ()
                words = (words,) if isinstance(words, str) else tuple(words)
                labels.append(Label(str(name), words, spec.get("description")))
        elif isinstance(raw, list):
            labels = [Label(str(x)) for x in raw]
        else:
            raise TaskError("'labels' must be a list of names or a mapping name -> spec")
        known = {f for f in cls.__dataclass_fields__ if f not in {"labels", "meta"}}
        extra = set(data) - known
        if extra:
            raise TaskError(f"unknown task field(s) {sorted(extra)}; known: {sorted(known)}")
        data.setdefault("name", "custom")
        if data.get("calibration") and "calibrate" not in data:
            data["calibrate"] = True  # naming a calibration asks for one
        return cls(labels=tuple(labels), **data)

    @classmethod
    def from_file(cls, path: str | Path) -> Task:
        """Load a task from a ``.yaml``/``.yml``/``.json`` file."""
        p = Path(path)
        data = read_yaml_or_json(p, "task file", TaskError)
        if isinstance(data, Mapping) and "name" not in data:
            data = {**data, "name": p.stem}
        return cls.from_dict(data)

    def with_labels(self, labels: Iterable[str] | str) -> Task:
        """The same task with other labels (words/descriptions kept for names it knows)."""
        if isinstance(labels, str):
            labels = [s.strip() for s in labels.split(",")]
        known = {lb.name: lb for lb in self.labels}
        new = tuple(known.get(str(x), Label(str(x))) for x in labels)
        names = {lb.name for lb in new}
        groups = tuple(g for g in self.confusable if set(g) <= names)
        return replace(self, labels=new, confusable=groups)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "template": self.template,
            "system": self.system,
            "answer_prefix": self.answer_prefix,
            "answer_start": self.answer_start,
            "case_variants": self.case_variants,
            "multi_label": self.multi_label,
            "calibrate": self.calibrate,
            **({"calibration": self.calibration} if self.calibration else {}),
            "labels": {
                lb.name: {"words": list(lb.words), "description": lb.description}
                for lb in self.labels
            },
            **({"confusable": [list(g) for g in self.confusable]} if self.confusable else {}),
        }

    # -- use ----------------------------------------------------------------------------
    @property
    def label_names(self) -> list[str]:
        return [lb.name for lb in self.labels]

    def expanded_words(self, label: Label) -> list[str]:
        """Surface words for ``label``, plus case variants when ``case_variants`` is on."""
        out: list[str] = []
        for w in label.words:
            forms = [w]
            if self.case_variants:
                forms += [w[:1].upper() + w[1:], w.lower()]
            for f in forms:
                if f not in out:
                    out.append(f)
        return out

    def render_instruction(self, text: str) -> str:
        """Fill the template with ``text`` and the joined label names."""
        values = {"text": text, "labels": join_labels(self.label_names)}

        def sub(m: re.Match[str]) -> str:
            return values[m.group(1)] if m.group(1) else m.group(0)[0]

        return _SUBST.sub(sub, self.template)


_LABEL_KEYS = ("words", "description")


def _check_label_spec(name: Any, spec: Mapping[str, Any]) -> None:
    """Refuse a label mapping with unknown keys or a description that is not one string.

    YAML flow syntax cuts an unquoted description at its first comma:
    ``{description: a happy, glad tone}`` parses as ``description: "a happy"`` plus a stray
    key ``glad tone``; the message says to quote it.
    """
    extra = [str(k) for k in spec if k not in _LABEL_KEYS]
    desc = spec.get("description")
    if extra:
        hint = ""
        if "description" in spec and all(spec[k] is None for k in extra):
            hint = (
                "; a description with a comma must be quoted in YAML braces, e.g. "
                '{description: "a happy, glad tone"}'
            )
        raise TaskError(
            f"label {name!r}: unknown key(s) {extra}; a label takes {', '.join(_LABEL_KEYS)}{hint}"
        )
    if desc is not None and not isinstance(desc, str):
        raise TaskError(
            f"label {name!r}: the description must be one string, not {type(desc).__name__} "
            f"{desc!r} (quote it in YAML)"
        )


def read_yaml_or_json(path: Path, what: str, error: type[Exception]) -> Any:
    """Parse a ``.json`` file as JSON and anything else as YAML; ``error`` says what failed."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise error(f"cannot read {what} {path}: {getattr(e, 'strerror', None) or e}") from None
    try:
        return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as e:
        kind = "JSON" if path.suffix == ".json" else "YAML"
        raise error(f"{what} {path} is not valid {kind}: {e}") from None


def _check_plain_names(raw: Any) -> None:
    """Refuse label names and words (of ``labels:`` as read) that YAML read as booleans or
    null: ``yes``, ``no``, ``on``, ``off``, ``true``, ``false`` and ``null`` unquoted are not
    text in YAML, and ``str()`` of them ("True", "None") would be another label than written."""
    names = list(raw) if isinstance(raw, (Mapping, list)) else []
    for spec in raw.values() if isinstance(raw, Mapping) else ():
        words = spec.get("words") if isinstance(spec, Mapping) else spec
        names += words if isinstance(words, list) else [words] if isinstance(words, bool) else []
    for n in names:
        if n is None or isinstance(n, bool):
            raise TaskError(
                f"a label or label word was read as {n!r}: YAML reads yes/no/on/off/true/false "
                "and null unquoted as booleans or null; quote it, e.g. labels: ['yes', 'no']"
            )


def validate_labels(names: Sequence[str]) -> None:
    """Reject label sets a classifier cannot use, with a message that says why."""
    names = [str(n) for n in names]
    if not names:
        raise TaskError("no labels given: a classifier needs at least two labels")
    if len(names) == 1:
        raise TaskError(f"only one label given ({names[0]!r}): a classifier needs at least two")
    if any(not n.strip() for n in names):
        raise TaskError(f"empty label name in {names}")
    seen: dict[str, str] = {}
    for n in names:
        key = n.strip().casefold()
        if key in seen:
            if seen[key] == n:
                raise TaskError(f"duplicate label {n!r} in {names}")
            raise TaskError(f"labels {seen[key]!r} and {n!r} differ only by case: {names}")
        seen[key] = n
