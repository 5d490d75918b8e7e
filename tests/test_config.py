"""lmtask.config: typed options that coerce strings by field type and check themselves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pytest

from lmtask.config import Config, option
from lmtask.errors import InputError


@dataclass
class Demo(Config):
    shots: int = option(4, "examples", min=0)
    rate: float = option(0.5, "a rate", min=0.0, max=1.0)
    lr: float = option(1e-3, "learning rate", gt=0)
    on: bool = option(False, "a switch")
    pick: Literal["a", "b"] = option("a", "a choice")
    limit: int | None = option(None, "optional", min=1)
    names: list[str] | None = option(None, "a list")


@pytest.mark.parametrize(
    "given, field, want",
    [
        ({"shots": "8"}, "shots", 8),
        ({"shots": 8.0}, "shots", 8),
        ({"rate": "0.25"}, "rate", 0.25),
        ({"rate": 1}, "rate", 1.0),
        ({"on": "true"}, "on", True),
        ({"on": "no"}, "on", False),
        ({"limit": "none"}, "limit", None),
        ({"limit": "3"}, "limit", 3),
        ({"names": "q_proj|v_proj"}, "names", ["q_proj", "v_proj"]),
        ({"names": "a+b,c"}, "names", ["a+b", "c"]),
        ({"names": ["x"]}, "names", ["x"]),
    ],
)
def test_strings_become_the_field_type(given, field, want):
    got = getattr(Demo.from_options(given, owner="demo"), field)
    assert got == want and type(got) is type(want)


@pytest.mark.parametrize(
    "given, message",
    [
        ({"shots": "2.5"}, "shots='2.5' must be int"),
        ({"shots": True}, "shots=True must be int"),
        ({"shots": -1}, "shots=-1 must be at least 0"),
        ({"rate": 1.5}, "rate=1.5 must be at most 1.0"),
        ({"lr": 0}, "lr=0.0 must be greater than 0"),
        ({"on": "maybe"}, "on='maybe' must be bool"),
        ({"pick": "c"}, "pick='c' must be one of 'a', 'b'"),
        ({"shots": None}, "shots cannot be none"),
        ({"wings": 2}, "demo has no option 'wings'; its options: limit, lr, names, on, pick"),
    ],
)
def test_bad_values_are_refused_naming_the_option(given, message):
    with pytest.raises(InputError) as e:
        Demo.from_options(given, owner="demo")
    assert message in str(e.value)


def test_checks_run_for_python_construction_and_replace():
    with pytest.raises(InputError, match="pick='z'"):
        Demo(pick="z")  # type: ignore[arg-type]
    d = Demo()
    with pytest.raises(InputError, match=r"rate=2\.0"):
        d.replace(rate=2.0)
    assert Demo.help()["shots"].startswith("int; examples (default: 4)")
