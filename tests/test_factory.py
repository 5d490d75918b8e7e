"""lmtask.methods.factory: one spec language and one builder for every front end."""

from __future__ import annotations

import pytest

from lmtask.errors import InputError
from lmtask.methods import (
    MethodSpec,
    build,
    build_and_fit,
    check_options,
    fit,
    needs_training,
    parse_spec,
    parse_specs,
)
from lmtask.methods.baseline import Majority


@pytest.mark.parametrize(
    "spec, name, opts",
    [
        ("zero-shot", "zero-shot", {}),
        ("zero-shot:generate", "zero-shot", {"mode": "generate"}),
        ("few-shot:shots=8:select=nearest", "few-shot", {"shots": "8", "select": "nearest"}),
        ("few-shot:nearest:shuffle", "few-shot", {"select": "nearest", "order": "shuffle"}),
        ("zero-shot:calibrate:min-confidence=0.6", "zero-shot",
         {"calibrate": True, "min_confidence": "0.6"}),
        ("finetune:mode=head:epochs=1", "finetune", {"mode": "head", "epochs": "1"}),
    ],
)  # fmt: skip
def test_parse_spec(spec, name, opts):
    s = parse_spec(spec)
    assert (s.name, s.options) == (name, opts)
    assert parse_spec(str(s)) == s  # a spec prints back as a spec


def test_typed_by_the_config_not_by_the_option_name():
    cfg = parse_spec("few-shot:shots=8:example_chars=300:seed=3").config()
    assert (cfg.shots, cfg.example_chars, cfg.seed) == (8, 300, 3)
    assert parse_spec("prompt-tuning:epochs=2").config().epochs == 2.0


@pytest.mark.parametrize(
    "spec, message",
    [
        ("", "a method spec is a name"),
        ("bogus", "unknown method 'bogus'; available:"),
        ("zero-shot:wings=2", "zero-shot has no option 'wings'"),
        ("zero-shot:fly", "cannot read 'fly'"),
        ("vader:x=1", "vader has no option 'x'; its options: (none)"),
    ],
)
def test_bad_specs(spec, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_spec(spec)


def test_shared_options_apply_where_the_method_has_them():
    clf = build("majority", labels="a,b", options={"shots": 3, "seed": 1})
    assert isinstance(clf, Majority)
    spec = MethodSpec("few-shot", {"shots": "2"})
    assert spec.config({"shots": 5, "select": "nearest"}).shots == 2  # the spec wins
    assert spec.config({"shots": 5, "select": "nearest"}).select == "nearest"
    check_options(["zero-shot", "few-shot"], {"shots": 3, "seed": 0, "calibrate": None})
    with pytest.raises(InputError, match="option 'shots' does not apply to zero-shot; it is an "
                                         "option of few-shot"):  # fmt: skip
        check_options(["zero-shot"], {"shots": 3})
    with pytest.raises(InputError, match="batch_size=0 must be at least 1"):
        check_options(["zero-shot"], {"batch_size": 0})


def test_training_facts_and_fit():
    assert needs_training(["zero-shot", "majority"]) and not needs_training(["zero-shot"])
    assert [s.name for s in parse_specs("zero-shot, majority")] == ["zero-shot", "majority"]
    with pytest.raises(InputError, match="give at least one method"):
        parse_specs(" , ")
    with pytest.raises(InputError, match="majority needs labelled examples"):
        build_and_fit("majority", None, labels="a,b")
    clf = fit(build("majority"), texts=["x", "y", "z"], labels=["b", "a", "b"])
    assert clf.labels == ["a", "b"] and clf.predict(["q"])[0].label == "b"
    assert clf.train_seconds >= 0
    with pytest.raises(InputError, match="majority does not train in steps"):
        fit(build("majority"), texts=["x"], labels=["a"], resume=True)
    with pytest.raises(InputError, match="resume needs a checkpoint folder"):
        fit(build("finetune:mode=head", labels="a,b"), texts=["x"], labels=["a"], resume=True)
