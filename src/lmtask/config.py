"""Typed, self-checking option dataclasses: the base of every method's (and training's) config.

Each option is a dataclass field made with :func:`option`, which carries its help text and
range. A config checks itself in ``__post_init__`` (types, ``Literal`` choices, ranges), so a
bad value is refused before any work, whether it came from Python or from a method spec.
:meth:`Config.from_options` turns strings (``"8"``, ``"true"``, ``"none"``) into the field's
type, from the field's declared type, never by guessing from the option's name.

>>> from dataclasses import dataclass
>>> from typing import Literal
>>> @dataclass
... class Demo(Config):
...     shots: int = option(4, "examples per prompt", min=0)
...     select: Literal["random", "nearest"] = option("random", "how examples are chosen")
>>> Demo.from_options({"shots": "8", "select": "nearest"}, owner="demo").shots
8
>>> Demo(shots=-1)
Traceback (most recent call last):
...
lmtask.errors.InputError: shots=-1 must be at least 0
>>> Demo.from_options({"shot": "8"}, owner="demo")
Traceback (most recent call last):
...
lmtask.errors.InputError: demo has no option 'shot'; its options: select, shots
"""

from __future__ import annotations

import dataclasses
import functools
import re
import types
import typing
from collections.abc import Mapping
from typing import Any, Literal, TypeVar, Union

from lmtask.errors import InputError

C = TypeVar("C", bound="Config")
_MISSING = dataclasses.MISSING


def option(
    default: Any = _MISSING,
    help: str = "",
    *,
    min: float | None = None,
    max: float | None = None,
    gt: float | None = None,
    factory: Any = _MISSING,
) -> Any:
    """A config field with help text and an optional range (``min <= v <= max``, ``v > gt``)."""
    meta = {"help": help, "min": min, "max": max, "gt": gt}
    if factory is not _MISSING:
        return dataclasses.field(default_factory=factory, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _parts(tp: Any) -> tuple[Any, bool]:
    """(the type without ``None``, whether ``None`` is allowed)."""
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        inner = args[0] if len(args) == 1 else Union[tuple(args)]  # noqa: UP007
        return inner, len(args) < len(typing.get_args(tp))
    return tp, False


def type_name(tp: Any) -> str:
    """A short readable name of a field type (``int``, ``one of 'a', 'b'``, ``list of str``)."""
    inner, optional = _parts(tp)
    origin = typing.get_origin(inner)
    if origin is Literal:
        name = "one of " + ", ".join(repr(a) for a in typing.get_args(inner))
    elif origin in (list, tuple):
        name = "list of " + "/".join(getattr(a, "__name__", str(a)) for a in typing.get_args(inner))
    elif origin in (dict, Mapping):
        name = "mapping"
    else:
        name = getattr(inner, "__name__", str(inner))
    return name + (" or none" if optional else "")


def _coerce(name: str, value: Any, tp: Any) -> Any:
    """``value`` as type ``tp``, converting strings; InputError naming ``name`` otherwise."""
    inner, optional = _parts(tp)
    if value is None or (optional and isinstance(value, str) and value.lower() in ("none", "")):
        if optional:
            return None
        raise InputError(f"{name} cannot be none; it must be {type_name(tp)}")
    origin = typing.get_origin(inner)
    bad = InputError(f"{name}={value!r} must be {type_name(tp)}")
    if origin is Literal:
        choices = typing.get_args(inner)
        if value not in choices:
            raise InputError(f"{name}={value!r} must be {type_name(tp)}")
        return value
    if origin in (list, tuple):
        items = re.split(r"[|,]", value) if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            raise bad
        return [str(x).strip() for x in items if str(x).strip()]
    if origin in (dict, Mapping):
        if not isinstance(value, Mapping):
            raise bad
        return dict(value)
    if inner is bool:
        if isinstance(value, str):
            word = value.strip().lower()
            if word in ("true", "yes", "1", "on"):
                return True
            if word in ("false", "no", "0", "off"):
                return False
            raise bad
        if not isinstance(value, bool):
            raise bad
        return value
    if inner is int:
        if isinstance(value, bool):
            raise bad
        try:
            f = float(value)
        except (TypeError, ValueError):
            raise bad from None
        if not f.is_integer():
            raise bad
        return int(f)
    if inner is float:
        if isinstance(value, bool):
            raise bad
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad from None
    if inner is str:
        return str(value)
    if isinstance(inner, type) and not isinstance(value, inner):
        raise bad
    return value


@dataclasses.dataclass
class Config:
    """Base of every option dataclass; see the module docstring."""

    def __post_init__(self) -> None:
        hints = _hints(type(self))
        for f in dataclasses.fields(self):
            v = _coerce(f.name, getattr(self, f.name), hints[f.name])
            object.__setattr__(self, f.name, v)
            if isinstance(v, int | float) and not isinstance(v, bool):
                lo, hi, gt = f.metadata.get("min"), f.metadata.get("max"), f.metadata.get("gt")
                if lo is not None and v < lo:
                    raise InputError(f"{f.name}={v!r} must be at least {lo}")
                if hi is not None and v > hi:
                    raise InputError(f"{f.name}={v!r} must be at most {hi}")
                if gt is not None and not v > gt:
                    raise InputError(f"{f.name}={v!r} must be greater than {gt}")
        self.check()

    def check(self) -> None:
        """Checks across fields; subclasses override (and call ``super().check()``)."""

    @classmethod
    def option_names(cls) -> list[str]:
        return sorted(f.name for f in dataclasses.fields(cls))

    @classmethod
    def help(cls) -> dict[str, str]:
        """``{option: "type; help (default: ...)"}`` for every option."""
        hints = _hints(cls)
        out = {}
        for f in dataclasses.fields(cls):
            default = f.default if f.default is not _MISSING else f.default_factory()  # type: ignore[misc]
            out[f.name] = (
                f"{type_name(hints[f.name])}; {f.metadata.get('help', '')} (default: {default!r})"
            )
        return out

    @classmethod
    def from_options(cls: type[C], options: Mapping[str, Any], owner: str = "") -> C:
        """A config from ``{option: value}``; unknown options are refused, listing the valid."""
        names = cls.option_names()
        for k in options:
            if k not in names:
                who = owner or cls.__name__
                raise InputError(
                    f"{who} has no option {k!r}; its options: {', '.join(names) or '(none)'}"
                )
        try:
            return cls(**dict(options))
        except InputError as e:
            raise InputError(f"{owner}: {e}" if owner else str(e)) from None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def replace(self: C, **changes: Any) -> C:
        return dataclasses.replace(self, **changes)


__all__ = ["Config", "option", "type_name"]
