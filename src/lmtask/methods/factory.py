"""One factory for every front end: a method spec string -> a built (and fitted) classifier.

A spec is a method name, then options after colons: ``key=value`` for any option of the
method's config (typed by the config's fields), a bare option name for a true boolean
(``calibrate``), or a bare choice of one of its options (``generate`` for ``mode``,
``nearest`` for ``select``). The CLI, template search, the scikit-learn estimator, the server
and the batch engine all build classifiers here.

>>> spec = parse_spec("few-shot:shots=8:select=nearest:calibrate")
>>> spec.name, spec.options
('few-shot', {'shots': '8', 'select': 'nearest', 'calibrate': True})
>>> parse_spec("few-shot:shots=many")
Traceback (most recent call last):
...
lmtask.errors.InputError: few-shot: shots='many' must be int
>>> clf = build("majority", labels="spam,ham")
>>> clf = fit(clf, texts=["win money", "lunch?", "cheap pills"], labels=["spam", "ham", "spam"])
>>> clf.predict(["hello"])[0].label
'spam'
"""

from __future__ import annotations

import dataclasses
import time
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from lmtask.config import Config
from lmtask.errors import InputError
from lmtask.methods.base import Classifier, get_method, list_methods

# Options that mean something for a whole run (a seed also draws samples and splits), so a
# method without them is not an error.
RUN_OPTIONS = frozenset({"seed"})


@dataclass(frozen=True)
class MethodSpec:
    """A parsed, checked method spec: the method's name and its options (as written)."""

    name: str
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def cls(self) -> type[Classifier]:
        return get_method(self.name)

    def config(self, shared: Mapping[str, Any] | None = None) -> Config:
        """The method's config: ``shared`` options it has (not None), then the spec's own."""
        cfg = self.cls.config_class
        names = set(cfg.option_names())
        opts = {k: v for k, v in (shared or {}).items() if k in names and v is not None}
        opts.update(self.options)
        return cfg.from_options(opts, owner=self.name)

    def __str__(self) -> str:
        parts = [self.name] + [k if v is True else f"{k}={v}" for k, v in self.options.items()]
        return ":".join(parts)


def _choice_owner(config: type[Config], word: str) -> str | None:
    """The option whose ``Literal`` choices include ``word`` (if exactly one)."""
    hints = typing.get_type_hints(config)

    def choices(tp: Any) -> tuple[Any, ...]:  # Literal[...], or Literal[...] | None
        if typing.get_origin(tp) is Literal:
            return typing.get_args(tp)
        return tuple(c for a in typing.get_args(tp) for c in choices(a))

    owners = [f.name for f in dataclasses.fields(config) if word in choices(hints[f.name])]
    return owners[0] if len(owners) == 1 else None


def parse_spec(spec: str | MethodSpec) -> MethodSpec:
    """Parse and check ``spec`` (unknown method, unknown option or bad value: InputError)."""
    if isinstance(spec, MethodSpec):
        return spec
    if not isinstance(spec, str) or not spec.strip():
        raise InputError(f"a method spec is a name like 'zero-shot', not {spec!r}; "
                         f"available: {', '.join(list_methods())}")  # fmt: skip
    name, *mods = [x.strip() for x in spec.split(":")]
    cls = get_method(name)
    config = cls.config_class
    hints = typing.get_type_hints(config)
    bools = {f.name for f in dataclasses.fields(config) if hints[f.name] in (bool, bool | None)}
    opts: dict[str, Any] = {}
    for m in mods:
        if "=" in m:
            k, v = m.split("=", 1)
            opts[k.strip().replace("-", "_")] = v.strip()
        elif m.replace("-", "_") in bools:
            opts[m.replace("-", "_")] = True
        elif m and (owner := _choice_owner(config, m)) is not None:
            opts[owner] = m
        elif m:
            valid = ", ".join(config.option_names()) or "(none)"
            raise InputError(
                f"cannot read {m!r} in method {spec!r}: use name:key=value:...; "
                f"{name} options: {valid}"
            )
    parsed = MethodSpec(name, opts)
    parsed.config()  # check types, choices and ranges now, before any work
    return parsed


def parse_specs(specs: Iterable[str | MethodSpec] | str) -> list[MethodSpec]:
    """Several specs (a list, or one comma-separated string); at least one."""
    if isinstance(specs, str):
        specs = [s for s in specs.split(",") if s.strip()]
    out = [parse_spec(s) for s in specs]
    if not out:
        raise InputError(f"give at least one method; available: {', '.join(list_methods())}")
    return out


def needs_training(specs: Iterable[str | MethodSpec], task: Any = None) -> bool:
    """Whether any of ``specs`` must be fitted on labelled examples (for ``task``)."""
    return any((m := parse_spec(s)).cls.trains_on(m.options, task) for s in specs)


def check_options(specs: Iterable[str | MethodSpec], shared: Mapping[str, Any]) -> None:
    """Refuse a shared option (not None) that none of ``specs`` has, naming who has it."""
    specs = [parse_spec(s) for s in specs]
    for k, v in shared.items():
        if v is None or k in RUN_OPTIONS:
            continue
        if not any(k in s.cls.config_class.option_names() for s in specs):
            owners = [n for n in list_methods() if k in get_method(n).config_class.option_names()]
            raise InputError(
                f"option {k!r} does not apply to {', '.join(s.name for s in specs)}"
                + (f"; it is an option of {', '.join(owners)}" if owners else "")
            )
    for s in specs:
        s.config(shared)  # a shared value out of range for one method is refused now


def build(
    spec: str | MethodSpec,
    *,
    task: Any = None,
    labels: Sequence[str] | str | None = None,
    model: Any = None,
    dtype: str = "auto",
    options: Mapping[str, Any] | None = None,
) -> Classifier:
    """The classifier ``spec`` names, not yet fitted. ``options`` are shared options (from
    CLI flags, say): each applies to the method if it has such an option; the spec's own
    options win."""
    s = parse_spec(spec)
    return s.cls(task=task, labels=labels, model=model, dtype=dtype, config=s.config(options))


def fit(
    clf: Classifier,
    pool: Any = None,
    *,
    texts: Sequence[str] | None = None,
    labels: Sequence[str] | None = None,
    resume: bool = False,
) -> Classifier:
    """Fit ``clf`` on ``pool`` (anything with ``texts``/``labels``, e.g. LabeledData) or on
    ``texts``/``labels``, if its method needs training data; records ``train_seconds``."""
    name = clf.method_name
    if resume:
        if not clf.trains_in_steps:
            steppers = [n for n in list_methods() if get_method(n).trains_in_steps]
            raise InputError(f"{name} does not train in steps: resume is for "
                             f"{', '.join(steppers)}")  # fmt: skip
        if not getattr(clf.config, "output_dir", None):
            raise InputError(f"resume needs a checkpoint folder: {name}:output_dir=DIR")
    if not clf.needs_training_data:
        return clf
    if pool is not None:
        if pool.labels is None:
            raise InputError(f"{pool.source} has no labels: give a file with a label column")
        texts, labels = pool.texts, pool.labels
    if not texts or labels is None:
        raise InputError(f"{name} needs labelled examples to learn from")
    t0 = time.perf_counter()
    if resume:
        clf.fit(texts, labels, resume=True)  # type: ignore[attr-defined]
    else:
        clf.fit(texts, labels)  # type: ignore[attr-defined]
    clf.train_seconds = time.perf_counter() - t0  # type: ignore[attr-defined]
    return clf


def build_and_fit(
    spec: str | MethodSpec,
    pool: Any = None,
    *,
    task: Any = None,
    labels: Sequence[str] | str | None = None,
    model: Any = None,
    dtype: str = "auto",
    options: Mapping[str, Any] | None = None,
    resume: bool = False,
) -> Classifier:
    """:func:`build`, then :func:`fit` on ``pool`` when the method needs examples."""
    s = parse_spec(spec)
    if s.cls.trains_on(s.options, task) and (pool is None or not len(pool.texts)):
        raise InputError(f"{s.name} needs labelled examples: give it a labelled pool")
    clf = build(s, task=task, labels=labels, model=model, dtype=dtype, options=options)
    return fit(clf, pool, resume=resume)


__all__ = [
    "MethodSpec",
    "build",
    "build_and_fit",
    "check_options",
    "fit",
    "needs_training",
    "parse_spec",
    "parse_specs",
]
