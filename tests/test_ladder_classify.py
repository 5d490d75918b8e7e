"""lmtask.ladder.classify: a built-in task's trained detector, unless a method is named.

code-language's detector is a pair: the n-gram model, and a head on the packaged 0.5B
model's first 4 layers for the snippets the n-grams are unsure of."""

from __future__ import annotations

import pytest

from lmtask.errors import InputError
from lmtask.ladder import classifier_for
from lmtask.tasks import builtin_detector

SNIPPETS = {
    "Python": "def add(a, b):\n    return a + b\n\nprint(add(1, 2))\n",
    "C++": '#include <iostream>\nint main() {\n    std::cout << "hi" << std::endl;\n}\n',
    "SQL": "SELECT name, COUNT(*)\nFROM users\nWHERE age > 30\nGROUP BY name;\n",
    "Go": 'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("hi")\n}\n',
}


def test_code_language_ships_a_detector_that_knows_plain_snippets():
    folder = builtin_detector("code-language")
    assert folder is not None and builtin_detector("sentiment") is None
    clf = classifier_for(None, task="code-language")
    assert clf.method_name == "cascade" and len(clf.labels) == 25
    assert (clf.fast.method_name, clf.slow.method_name) == ("ngram", "lm-features")
    preds = clf.predict([*SNIPPETS.values(), ""])
    assert [p.label for p in preds[:-1]] == list(SNIPPETS)
    assert preds[-1].label is None  # empty text: unknown, not a guess


def test_options_apply_and_a_named_method_or_labels_bypass_the_detector(tiny_factory):
    clf = classifier_for(None, task="code-language", options={"min_confidence": 0.99})
    assert clf.config.min_confidence == 0.99
    with pytest.raises(InputError, match="'shots' does not apply to cascade"):
        classifier_for(None, task="code-language", options={"shots": 3})
    lm = tiny_factory()
    assert classifier_for("zero-shot", task="code-language", model=lm).method_name == "zero-shot"
    custom = classifier_for(None, task="code-language", labels="C++,Python", model=lm)
    assert custom.method_name == "zero-shot" and custom.labels == ["C++", "Python"]


def test_classifier_spec_builds_from_an_artifact_or_a_description(tmp_path):
    import pickle

    from lmtask.ladder import ClassifierSpec

    spec = ClassifierSpec(task="code-language")
    assert pickle.loads(pickle.dumps(spec)) == spec  # travels to Ray actors and workers
    clf = spec.build()
    assert clf.method_name == "cascade"
    from lmtask.artifacts import save

    save(clf, tmp_path / "code")
    again = ClassifierSpec(artifact=str(tmp_path / "code")).build()
    texts = list(SNIPPETS.values())
    assert [p.scores for p in again.predict(texts)] == [p.scores for p in clf.predict(texts)]
    assert ClassifierSpec(artifact=str(tmp_path / "code")).name == "code"
    unsure = "val x = 1\nif (x > 0) {\n  println(x)\n}\n"  # Scala, the n-grams unsure
    assert clf.fast.predict_proba([unsure]).max() < clf.config.threshold
    assert again.predict([unsure])[0].scores == pytest.approx(clf.predict([unsure])[0].scores)
    with pytest.raises(InputError, match="name a classifier"):
        ClassifierSpec(method="zero-shot")


@pytest.mark.parametrize(
    ("kw", "fragment"),
    [({"labels": "a,a"}, "duplicate label"), ({"labels": " , "}, "label"),
     ({"task": "no-such-task"}, "no-such-task")],
)  # fmt: skip
def test_classifier_spec_refuses_bad_labels_and_tasks_before_any_work(kw, fragment):
    from lmtask.errors import LmtaskError
    from lmtask.ladder import ClassifierSpec

    with pytest.raises(LmtaskError, match=fragment):
        ClassifierSpec(**kw)


def test_short_texts_get_the_detectors_own_answer_and_unknown():
    """The head never saw a text of under 3 non-blank lines and is confidently wrong on them
    ("hello there": Ruby 1.0); such texts get the n-grams' answer and their threshold."""
    clf = classifier_for(None, task="code-language")
    words = ["hello there", "42", "x", "Thanks!"]
    assert [p.label for p in clf.predict(words)] == [None] * 4
    line = 'std::cout << "hello";'
    got, alone = clf.predict([line])[0], clf.fast.predict_proba([line])[0]
    assert got.label == "C++" and max(got.scores.values()) == pytest.approx(alone.max())
    assert clf.config.slow_min_lines == 3 and clf.fast.config.min_confidence > 0
