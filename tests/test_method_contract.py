"""The contract every registered method keeps (like PEFT's common tester): built through the
factory, it predicts one valid label per text with probabilities; save -> load predicts
identically; it describes itself; bad options are refused before any work.

A new method gets these checks by registering and adding one line to ``SETUP``.
"""

from __future__ import annotations

import dataclasses

import pytest

import lmtask
from lmtask.errors import InputError, LmtaskError
from lmtask.methods import build_and_fit, get_method, list_methods, parse_spec
from lmtask.methods.base import Classifier

TRAIN = [
    ("I love it, wonderful", "positive"),
    ("great fun, lovely", "positive"),
    ("so nice and good", "positive"),
    ("brilliant, I like it", "positive"),
    ("awful, I hate it", "negative"),
    ("terrible and sad", "negative"),
    ("bad, boring, dull", "negative"),
    ("horrible, never again", "negative"),
]
TEXTS = ["what a lovely day", "this is awful", ""]
FAST_TRAIN = "epochs=1:batch_size=4:dev_fraction=0:logging_steps=1:early_stopping_patience=none"

# method -> (spec options, which model: "lm" tiny causal LM, "bert" tiny encoder, None)
SETUP = {
    "zero-shot": ("", "lm"),
    "few-shot": ("shots=2:select=random", "lm"),
    "chain-of-thought": ("max_reasoning_tokens=3:batch_size=2", "lm"),
    "multi-label": ("threshold=0.4", "lm"),
    "prompt-ensemble": ("members=category+start|no-list+start", "lm"),
    "prompt-tuning": (f"{FAST_TRAIN}:num_virtual_tokens=2", "lm"),
    "prefix-tuning": (f"{FAST_TRAIN}:num_virtual_tokens=2", "lm"),
    "lora-lm": (FAST_TRAIN, "lm"),
    "finetune": (f"{FAST_TRAIN}:mode=head", "bert"),
    "lora": (FAST_TRAIN, "bert"),
    "setfit": ("num_iterations=2:batch_size=8", "bert"),
    "lm-features": ("C=10", "lm"),
    "majority": ("", None),
    "ngram": ("", None),
    "vader": ("", None),
    "cascade": ("fast=ngram", "lm"),
}


class _Pool:
    def __init__(self) -> None:
        self.texts = [t for t, _ in TRAIN]
        self.labels = [y for _, y in TRAIN]
        self.source = "contract"


def test_every_registered_method_is_covered():
    shipped = [m for m in list_methods() if not m.startswith("test-")]  # tests register some
    assert sorted(SETUP) == shipped


@pytest.fixture()
def built(request, tiny_factory, tiny_bert):
    name = request.param
    opts, which = SETUP[name]
    model = {"lm": tiny_factory(), "bert": tiny_bert, None: None}[which]
    spec = f"{name}:{opts}" if opts else name
    clf = build_and_fit(spec, _Pool(), labels="positive,negative", model=model)
    return name, clf, model


@pytest.mark.slow
@pytest.mark.parametrize("built", sorted(SETUP), indirect=True)
def test_predict_save_load_describe(built, tmp_path):
    name, clf, model = built
    assert isinstance(clf, Classifier) and clf.method_name == name
    preds = clf.predict(TEXTS)
    assert len(preds) == len(TEXTS)
    for p in preds:
        assert set(p.scores) == {"positive", "negative"}
        assert all(0.0 <= v <= 1.0 for v in p.scores.values())
    proba = clf.predict_proba(TEXTS)
    assert proba.shape == (len(TEXTS), 2)
    path = lmtask.save(clf, tmp_path / name)
    again = lmtask.load(path, model=model if isinstance(model, lmtask.LoadedModel) else None)
    assert type(again) is type(clf)
    assert [p.to_dict() for p in again.predict(TEXTS)] == [p.to_dict() for p in preds]
    info = clf.describe()
    assert info["method"] == name and info["labels"] == ["positive", "negative"]


@pytest.mark.parametrize("name", sorted(SETUP))
def test_unknown_option_is_refused_naming_the_valid_ones(name):
    with pytest.raises(InputError, match=f"{name} has no option 'no_such_option'"):
        parse_spec(f"{name}:no_such_option=1")


@pytest.mark.parametrize("name", sorted(SETUP))
def test_config_fields_have_help_and_defaults_check_themselves(name):
    config = get_method(name).config_class
    for f in dataclasses.fields(config):
        assert f.metadata.get("help"), f"{name}: option {f.name} has no help text"
    config()  # the defaults pass the config's own checks
    assert set(config.help()) == set(config.option_names())


@pytest.mark.parametrize(
    "spec, message",
    [
        ("few-shot:shots=-1", "shots=-1 must be at least 0"),
        ("zero-shot:min_confidence=2", "min_confidence=2.0 must be at most 1"),
        ("finetune:epochs=0", "epochs=0.0 must be greater than 0"),
        ("lora-lm:epochs=-2", "epochs=-2.0 must be greater than 0"),
        ("few-shot:select=closest", "select='closest' must be one of"),
        ("zero-shot:generate:calibrate", "calibrate applies to label scores"),
        ("finetune:max_steps=0", "max_steps=0 trains nothing"),
        ("multi-label:question=no placeholders", "must contain {text} and {label}"),
    ],
)
def test_impossible_options_are_refused_before_any_work(spec, message):
    with pytest.raises(LmtaskError, match=message.replace("{", r"\{").replace("}", r"\}")):
        parse_spec(spec)
