"""ZeroShot: score and generate modes, the API, bad input (tiny models; mechanics only)."""

from __future__ import annotations

import numpy as np
import pytest

import lmtask
from lmtask.errors import InputError, TaskError
from lmtask.methods import get_method, list_methods
from lmtask.methods.prompt import base as prompt_base


@pytest.fixture
def clf(tiny_factory, tiny_kind):
    return lmtask.ZeroShot(task="sentiment", model=tiny_factory(tiny_kind))


def test_registered():
    assert "zero-shot" in list_methods()
    assert get_method("zero-shot") is lmtask.ZeroShot
    with pytest.raises(lmtask.LmtaskError, match="available: "):
        get_method("telepathy")


def test_score_mode_returns_valid_labels(clf):
    texts = ["I love it.", "I hate it.", ""]
    preds = clf.predict(texts)
    assert [p.label in clf.labels for p in preds] == [True] * 3
    for p in preds:
        assert set(p.scores) == set(clf.labels)
        assert abs(sum(p.scores.values()) - 1) < 1e-9
        assert p.label == max(p.scores, key=p.scores.get)
    proba = clf.predict_proba(texts)
    assert proba.shape == (3, 3)
    np.testing.assert_allclose(proba, [[p.scores[lb] for lb in clf.labels] for p in preds])


def test_single_string_and_empty_list(clf):
    assert clf.predict([]) == []
    assert len(clf.predict("one text")) == 1
    assert clf.predict_proba([]).shape == (0, 3)


def test_non_string_input(clf):
    with pytest.raises(InputError, match="not a string"):
        clf.predict(["ok", 3])


def test_labels_override(tiny_factory):
    c = lmtask.ZeroShot(task="sentiment", labels="positive,negative", model=tiny_factory())
    assert c.labels == ["positive", "negative"]
    with pytest.raises(TaskError, match="only one label"):
        lmtask.ZeroShot(labels="positive", model=tiny_factory())


def test_unknown_mode(tiny_factory):
    with pytest.raises(ValueError, match="mode='guess' must be one of 'score', 'generate'"):
        lmtask.ZeroShot(task="sentiment", mode="guess", model=tiny_factory())


def test_generate_mode_maps_answers(tiny_factory, monkeypatch):
    answers = iter([["positive.", "It is NEGATIVE", "I cannot tell", ""]])

    def fake_generate(lm, ids, max_new_tokens, *, batch_size, progress):
        assert len(ids) == 4 and all(isinstance(x, list) and x for x in ids)
        return next(answers)

    monkeypatch.setattr(prompt_base, "generate_ids", fake_generate)
    c = lmtask.ZeroShot(task="sentiment", mode="generate", model=tiny_factory())
    preds = c.predict(["a", "b", "c", "d"])
    assert [p.label for p in preds] == ["positive", "negative", None, None]
    assert preds[2].raw == "I cannot tell"
    assert preds[2].scores == {"positive": 0.0, "negative": 0.0, "angry": 0.0}
    assert preds[0].scores["positive"] == 1.0
    assert preds[2].to_dict()["raw"] == "I cannot tell"


def test_generate_mode_runs_for_real(tiny_factory, tiny_kind):
    c = lmtask.ZeroShot(
        task="sentiment", mode="generate", max_new_tokens=3, model=tiny_factory(tiny_kind)
    )
    preds = c.predict(["good", "a longer text to pad the batch"])
    assert len(preds) == 2
    for p in preds:
        assert isinstance(p.raw, str)
        assert p.label is None or p.label in c.labels


def test_classify_helper(tiny_factory):
    preds = lmtask.classify(["x = 1"], labels="C++,Python", model=tiny_factory())
    assert preds[0].label in {"C++", "Python"}


def test_describe(clf):
    d = clf.describe()
    assert d["method"] == "zero-shot" and d["labels"] == ["positive", "negative", "angry"]


def test_calibration_auto_chooses_on_labelled_texts_and_is_saved(tiny_factory, tmp_path):
    """zero-shot:calibrate:auto is fitted on labelled texts (the factory asks for them),
    keeps the calibration that scores best there, and an artifact keeps that choice."""
    from lmtask.methods import build_and_fit
    from lmtask.methods.prompt.zero_shot import ZeroShot

    lm = tiny_factory()
    texts = [f"text {i} about {w}" for i in range(10) for w in ("cats", "tax")]
    labels = ["spam", "ham"] * 10
    assert ZeroShot.trains_on({"calibration": "auto"}) and not ZeroShot.trains_on({})
    with pytest.raises(InputError, match="needs labelled examples"):
        build_and_fit("zero-shot:calibrate:auto", None, labels="spam,ham", model=lm)
    unfit = lmtask.ZeroShot(labels="spam,ham", model=lm, calibrate=True, calibration="auto")
    with pytest.raises(InputError, match="fit the classifier first"):
        unfit.predict(["x"])
    pool = lmtask.data.LabeledData(texts, labels, source="examples")
    clf = build_and_fit("zero-shot:calibrate:auto", pool, labels="spam,ham", model=lm)
    assert clf.chosen_calibration in ("none", "contextual", "domain", "batch", "words")
    assert not clf.needs_training_data
    again = lmtask.load(lmtask.save(clf, tmp_path / "art"), model=lm)
    assert again.chosen_calibration == clf.chosen_calibration
    np.testing.assert_allclose(again.predict_proba(texts), clf.predict_proba(texts), rtol=1e-5)
    many = lmtask.ZeroShot(labels="spam,ham", model=lm, calibration="auto")
    assert many.fit(texts * 11, labels * 11).chosen_calibration is not None  # a sample of 200
    with pytest.raises(InputError, match="learns nothing from examples"):
        lmtask.ZeroShot(labels="spam,ham", model=lm).fit(texts, labels)
    with pytest.raises(InputError, match="at least 2 labelled texts of each of 2"):
        lmtask.ZeroShot(labels="spam,ham", model=lm, calibration="auto").fit(texts[:3], labels[:3])
    # a task of more labels than the examples have: chosen on the labels they have
    three = lmtask.ZeroShot(labels="spam,ham,other", model=lm, calibration="auto")
    assert three.fit(texts, labels).chosen_calibration is not None
    # naming auto asks for calibration, also with a task that does not calibrate; not in
    # generate mode or with calibration off
    assert lmtask.ZeroShot(task="sentiment", model=lm, calibration="auto").needs_training_data
    assert not ZeroShot.trains_on({"calibration": "auto", "mode": "generate"})
    assert not ZeroShot.trains_on({"calibration": "auto", "calibrate": False})
