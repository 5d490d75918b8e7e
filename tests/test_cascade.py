"""lmtask.ladder.cascade: the fast classifier alone when sure, combined with the LM otherwise."""

from __future__ import annotations

import numpy as np
import pytest

import lmtask
from lmtask.errors import InputError
from lmtask.ladder.cascade import Cascade
from lmtask.methods import build

TRAIN = ["good fun", "lovely day", "great joy", "bad day", "awful mess", "sad end"]
GOLD = ["positive"] * 3 + ["negative"] * 3


class FakeLM:
    """Stands in for the zero-shot classifier: fixed probabilities, counts the texts asked."""

    labels = ("negative", "positive")  # another order than the task's, on purpose

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.labels = list(type(self).labels)

    def predict_proba(self, texts):
        self.asked += list(texts)
        return np.tile([0.9, 0.1], (len(texts), 1))


def cascade(threshold: float, weight: float = 1.0) -> tuple[Cascade, FakeLM]:
    clf = build(f"cascade:fast=ngram:threshold={threshold}:weight={weight}",
                labels="positive,negative")  # fmt: skip
    clf.fit(TRAIN, GOLD)
    clf._slow = lm = FakeLM()
    return clf, lm


def test_sure_texts_never_reach_the_language_model():
    clf, lm = cascade(threshold=0.0)
    preds = clf.predict(["good fun", "awful mess"])
    assert lm.asked == [] and [p.label for p in preds] == ["positive", "negative"]


@pytest.mark.parametrize("weight", [0.5, 1.0, 2.0])
def test_unsure_texts_combine_both_probabilities(weight):
    clf, lm = cascade(threshold=1.0, weight=weight)
    fast = clf.fast.predict_proba(["good fun"])[0]  # in the task's order: positive, negative
    got = clf.predict(["good fun"])[0]
    want = fast * np.array([0.1, 0.9]) ** weight
    want /= want.sum()
    assert lm.asked == ["good fun"]
    assert got.scores == pytest.approx(dict(zip(clf.labels, want, strict=True)))
    assert got.label == clf.labels[int(want.argmax())]


def test_bad_fast_classifiers_are_refused_before_any_work():
    with pytest.raises(InputError, match="ships no trained detector"):
        build("cascade:fast=detector", task="sentiment")
    with pytest.raises(InputError, match="unknown method"):
        build("cascade:fast=no-such-method", labels="a,b")
    with pytest.raises(InputError, match="at most 1"):
        build("cascade:threshold=2", labels="a,b")


def test_the_code_task_uses_its_shipped_detector_without_training():
    clf = build("cascade", task="code-language")
    assert not clf.needs_training_data and clf.fast.method_name == "ngram"
    clf._slow = lm = FakeLM()
    clf.config.threshold = 0.0  # the detector alone
    assert clf.predict(["def f(x):\n    return [i for i in range(x)]\n"])[0].label == "Python"
    assert lm.asked == []


@pytest.mark.slow
def test_the_code_cascade_with_the_real_model_saves_and_loads(tmp_path):
    clf = build("cascade:threshold=1.0", task="code-language")  # every snippet asks the LM
    snippets = ["fn main() {\n    let v: Vec<i32> = vec![1, 2];\n    println!(\"{:?}\", v);\n}",
                "SELECT name, count(*) FROM users GROUP BY name;"]  # fmt: skip
    preds = clf.predict(snippets)
    assert [p.label for p in preds] == ["Rust", "SQL"]
    lmtask.save(clf, tmp_path / "c")
    again = lmtask.load(tmp_path / "c")
    want = clf.predict_proba(snippets)
    np.testing.assert_allclose(again.predict_proba(snippets), want, atol=1e-6)


def test_a_fast_member_in_another_label_order_survives_save_and_load(tmp_path, tiny_factory):
    fast = build("ngram", labels="negative,positive")
    fast.fit(TRAIN, GOLD)
    lmtask.save(fast, tmp_path / "fast")
    lm = tiny_factory()
    clf = build(f"cascade:fast={tmp_path / 'fast'}:threshold=1.0", labels="positive,negative",
                model=lm)  # fmt: skip
    assert not clf.needs_training_data and clf.labels == ["positive", "negative"]
    lmtask.save(clf, tmp_path / "c")
    again = lmtask.load(tmp_path / "c", model=lm)
    texts = ["good fun", "awful mess", "a day"]
    np.testing.assert_allclose(again.predict_proba(texts), clf.predict_proba(texts), atol=1e-6)
    assert again.fast.labels == ["negative", "positive"]
    assert again.describe()["model"] == lm.name  # what a server shows as its base model


def test_whether_a_cascade_needs_training_data_depends_on_its_fast_member(tmp_path):
    from lmtask.methods import needs_training

    assert not needs_training(["cascade"], task="code-language")  # its shipped detector
    assert needs_training(["cascade"], task="sentiment")  # ngram, trained on the data
    assert needs_training(["cascade:fast=ngram"], task="code-language")
    with pytest.raises(InputError, match="not a saved artifact folder"):
        build(f"cascade:fast={tmp_path}", labels="a,b")
    bare = Cascade(fast="ngram").fit(TRAIN, GOLD)  # no task: labels from the data
    assert sorted(bare.labels) == ["negative", "positive"]


def test_a_trained_slow_member_is_fitted_saved_and_loaded_with_it(tmp_path, tiny_qwen):
    clf = build("cascade:fast=ngram:slow=lm-features:threshold=1.0", labels="positive,negative",
                model=tiny_qwen)  # fmt: skip
    assert clf.needs_training_data
    clf.fit(TRAIN, GOLD)
    assert clf.slow.method_name == "lm-features" and clf.lm is None  # no zero-shot LM loaded
    texts = ["good fun", "awful mess", "a day"]
    want = clf.predict_proba(texts)
    fast, slow = clf.fast.predict_proba(texts), clf.slow.predict_proba(texts)
    mix = fast * slow[:, [clf.slow.labels.index(lb) for lb in clf.labels]]
    np.testing.assert_allclose(want, mix / mix.sum(1, keepdims=True), atol=1e-6)
    path = lmtask.save(clf, tmp_path / "c")
    assert lmtask.artifacts.read_manifest(path)["model"] is None
    again = lmtask.load(path)
    np.testing.assert_allclose(again.predict_proba(texts), want, atol=1e-6)
    assert again.describe()["slow"]["method"] == "lm-features"
    lmtask.save(again.slow, tmp_path / "slow")  # a saved slow member is used as it is
    reuse = build(f"cascade:fast=ngram:slow={tmp_path / 'slow'}", labels="positive,negative")
    assert reuse.slow.method_name == "lm-features" and reuse.needs_training_data  # the ngram
    assert not Cascade.trains_on(
        {"fast": "detector", "slow": str(tmp_path / "slow")}, "code-language"
    )
    with pytest.raises(InputError, match="not a saved artifact folder"):
        build(f"cascade:slow={tmp_path}", labels="a,b")
    with pytest.raises(InputError, match="unknown method"):
        build("cascade:slow=no-such-method", labels="a,b")


def test_empty_binary_and_unsure_texts_are_unknown_without_asking_the_lm():
    clf, lm = cascade(threshold=1.0)
    preds = clf.predict(["", "  \n", "\x00ELF\x02", "good fun"])
    assert [p.label for p in preds[:3]] == [None, None, None] and preds[3].label is not None
    assert lm.asked == ["good fun"]
    clf.config.min_confidence = 0.999
    assert clf.predict(["good fun"])[0].label is None


def test_slow_detector_is_the_shipped_head_of_the_code_task():
    clf = build("cascade:slow=detector", task="code-language")
    assert not clf.needs_training_data and clf.slow.method_name == "lm-features"
    assert clf.slow._layers is None  # the LM's layers load on the first unsure snippet
    with pytest.raises(InputError, match="ships no lm-features head"):
        build("cascade:slow=detector", task="sentiment")


def test_a_built_in_task_given_as_a_task_object_finds_its_shipped_members():
    from lmtask.tasks import get_task

    task = get_task("code-language")
    assert not Cascade.trains_on({"slow": "detector"}, task)
    clf = build("cascade:slow=detector", task=task)
    assert clf.slow.method_name == "lm-features" and not clf.answers_depend_on_batch
    import dataclasses

    own = dataclasses.replace(task, labels=task.labels[:3], confusable=())  # not the built-in
    assert Cascade.trains_on({}, own)  # fast=auto: an ngram to train, not the 25-label detector


@pytest.mark.parametrize(
    ("spec", "task", "message"),
    [("cascade:slow=detector", "sentiment", "task 'sentiment' ships no lm-features head"),
     ("cascade:fast=detector", None, "ad-hoc labels ship no trained detector")],
)  # fmt: skip
def test_a_missing_shipped_member_is_named_before_examples_are_asked_for(spec, task, message):
    """Not "needs labelled examples": no examples would make the detector exist."""
    from lmtask.methods import build_and_fit

    with pytest.raises(InputError, match=message):
        build_and_fit(spec, None, task=task, labels=None if task else "a,b")


@pytest.mark.slow
def test_the_shipped_head_answers_code_it_is_asked_about(tmp_path):
    clf = build("cascade:slow=detector:threshold=1.0", task="code-language")  # always asked
    snippets = [
        'fn main() {\n    let v: Vec<i32> = vec![1, 2];\n    println!("{:?}", v);\n}',
        "SELECT name, count(*) FROM users GROUP BY name;",
        '#include <iostream>\nint main() {\n  std::cout << "hi" << std::endl;\n}',
    ]
    assert [p.label for p in clf.predict(snippets)] == ["Rust", "SQL", "C++"]
    again = lmtask.load(lmtask.save(clf, tmp_path / "c"))
    np.testing.assert_allclose(again.predict_proba(snippets), clf.predict_proba(snippets),
                               atol=1e-6)  # fmt: skip


def test_loading_a_cascade_ignores_folders_named_like_its_members(tmp_path, monkeypatch):
    clf = build("cascade:fast=ngram", labels="positive,negative").fit(TRAIN, GOLD)
    clf._slow = FakeLM()
    clf.config.threshold = 0.0
    path = lmtask.save(clf, tmp_path / "c")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ngram").mkdir()  # a folder that is not an artifact, named as the member
    again = lmtask.load(path)
    assert [p.label for p in again.predict(TRAIN)] == [p.label for p in clf.predict(TRAIN)]


def test_a_prompt_member_keeps_its_own_model_after_save_and_load(tmp_path, smol):
    member = build("zero-shot", labels="positive,negative", model=smol)
    lmtask.save(member, tmp_path / "zs")
    clf = build(f"cascade:fast=ngram:slow={tmp_path / 'zs'}:threshold=1.0",
                labels="positive,negative")  # fmt: skip
    clf.fit(TRAIN, GOLD)
    assert clf.slow.lm.name == smol.name
    again = lmtask.load(lmtask.save(clf, tmp_path / "c"))
    assert again.slow.lm.name == smol.name
    np.testing.assert_allclose(again.predict_proba(TRAIN), clf.predict_proba(TRAIN), atol=1e-6)


@pytest.mark.parametrize("calibration", ["batch", "words"])
def test_a_per_call_calibrated_slow_member_uses_contextual(tmp_path, smol, calibration):
    """The slow member sees only the texts the fast one is unsure of: a saved batch- or
    words-calibrated member calibrates contextually there (said once), so a text's answer
    does not depend on which other texts were unsure."""
    from lmtask.engine.calibration import CalibrationWarning

    slow = lmtask.ZeroShot(labels="positive,negative", model=smol, calibration=calibration)
    folder = lmtask.save(slow, tmp_path / "slow")
    with pytest.warns(CalibrationWarning, match="uses contextual calibration there"):
        clf = build(f"cascade:fast=ngram:slow={folder}:threshold=1.0", labels="positive,negative")
    assert clf.slow.calibration_mode == "contextual" and not clf.answers_depend_on_batch
    clf.fit(TRAIN, GOLD)
    texts = TRAIN * 3  # 18 texts: enough for batch or words calibration
    alone = [clf.predict([t])[0].scores for t in texts[:2]]
    together = [p.scores for p in clf.predict(texts)[:2]]
    for a, b in zip(alone, together, strict=True):
        assert a == pytest.approx(b, rel=1e-5)
