"""The method registry is lazy: shipped methods import on first use, the others stay out."""

from __future__ import annotations

import subprocess
import sys

import pytest

import lmtask.methods as methods
from lmtask.errors import InputError
from lmtask.methods.base import BUILTIN_METHODS, Classifier, get_method, list_methods


def test_every_shipped_name_registers_its_class():
    for name, module in BUILTIN_METHODS.items():
        cls = get_method(name)
        assert cls.method_name == name and cls.__module__ == module, name
    assert set(BUILTIN_METHODS) <= set(list_methods())
    with pytest.raises(InputError, match=r"unknown method 'telepathy'; available: .*ngram"):
        get_method("telepathy")


def test_names_load_on_first_use_and_unknown_names_fail():
    assert methods.Ngram is get_method("ngram") and methods.ZeroShot is get_method("zero-shot")
    assert "Ngram" in dir(methods)
    with pytest.raises(AttributeError, match="no attribute 'Telepathy'"):
        _ = methods.Telepathy


def test_a_registered_method_is_listed():
    @methods.register_method("test-registry-echo")
    class Echo(Classifier):
        def predict(self, texts, progress=False):
            return []

    assert "test-registry-echo" in list_methods() and get_method("test-registry-echo") is Echo


def test_the_ngram_path_imports_no_torch():
    code = (
        "import sys; import lmtask.methods as m; m.build('ngram', labels='a,b'); "
        "m.parse_spec('ngram:ngram_max=4'); print(sorted(x for x in ('torch', 'transformers', "
        "'peft') if x in sys.modules), 'ngram' in m.list_methods())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)  # fmt: skip
    assert out.stdout.split() == ["[]", "True"]


@pytest.mark.parametrize("depends", [False, True])
def test_predict_each_keeps_requests_apart_when_answers_depend_on_the_batch(depends):
    """The base class's predict_each: one call over all requests, unless a text's answer
    depends on the texts it is classified with (a cascade with a batch-calibrated member)."""
    from lmtask.prediction import Prediction

    calls: list[list[str]] = []

    class Counting(Classifier):
        labels = ("a", "b")
        answers_depend_on_batch = depends

        def predict(self, texts, progress=False):
            calls.append(list(texts))
            return [Prediction("a", {"a": len(texts) / 10, "b": 1 - len(texts) / 10})
                    for _ in texts]  # fmt: skip

    out = Counting().predict_each([["x", "y"], [], ["z"]])
    assert [len(r) for r in out] == [2, 0, 1]
    assert calls == ([["x", "y"], ["z"]] if depends else [["x", "y", "z"]])
    assert out[2][0].scores["a"] == (0.1 if depends else 0.3)  # as if classified alone
