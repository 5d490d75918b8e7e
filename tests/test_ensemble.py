"""lmtask.methods.prompt.ensemble: wordings averaged, each with its own prompt."""

from __future__ import annotations

import numpy as np
import pytest

import lmtask
from lmtask.errors import InputError
from lmtask.methods import PromptEnsemble, parse_spec
from lmtask.tasks import Task
from lmtask.tasks.wordings import WORDINGS


def test_ensemble_is_the_mean_of_its_wordings(tiny_factory):
    lm = tiny_factory()
    members = ["category+start", "category+start reversed", "no-list+start"]
    clf = PromptEnsemble(labels="spam,ham,other", model=lm, members=members)
    texts = ["win a prize now", "see you at lunch"]
    probs = []
    for m in members:
        single = lmtask.ZeroShot(task=WORDINGS[m].apply(Task.from_labels("spam,ham,other")),
                                 model=lm)  # fmt: skip
        p = single.predict_proba(texts)
        probs.append(p[:, [single.labels.index(lb) for lb in clf.labels]])
    want = np.mean(probs, axis=0)
    np.testing.assert_allclose(clf.predict_proba(texts), want, rtol=1e-6)
    assert not np.allclose(probs[0], probs[2]), "the wordings must differ for this test to bite"
    assert clf.describe()["members"] == members
    modes = [m.calibration_mode for m in clf.members]
    assert clf.describe()["calibration"] == (modes[0] if len(set(modes)) == 1 else modes)


def test_the_description_says_how_the_members_calibrate(tiny_factory):
    """The ensemble's own config says nothing; its wordings calibrate (what a batch resume
    compares): the description says so."""
    clf = PromptEnsemble(labels="spam,ham", model=tiny_factory(), calibration="background",
                         members=["category+start", "no-list+start"])  # fmt: skip
    d = clf.describe()
    assert d["calibrate"] is True and d["calibration"] == "background"
    plain = PromptEnsemble(labels="spam,ham", model=tiny_factory(), calibrate=False,
                           members=["category+start", "no-list+start"])  # fmt: skip
    assert plain.describe()["calibration"] is None and plain.describe()["calibrate"] is False


def test_members_must_be_named(tiny_factory):
    with pytest.raises(InputError, match="needs its member wordings: members="):
        PromptEnsemble(labels="a,b", model=tiny_factory())


def test_bad_members_are_refused():
    with pytest.raises(InputError, match="unknown wording"):
        parse_spec("prompt-ensemble:members=nope")
    with pytest.raises(InputError, match="use mode='score'"):
        parse_spec("prompt-ensemble:generate")


def test_members_from_a_spec_keep_their_plus_signs():
    cfg = parse_spec("prompt-ensemble:members=classify-as+start|no-list+start").config()
    assert cfg.members == ["classify-as+start", "no-list+start"]


def test_calibration_auto_is_fitted_per_wording_and_saved(tiny_factory, tmp_path):
    """prompt-ensemble:calibration=auto asks the factory for labelled texts, each wording
    chooses its own calibration on them, and an artifact keeps the choices."""
    from lmtask.methods import build_and_fit

    lm = tiny_factory()
    texts = [f"text {i} about {w}" for i in range(10) for w in ("cats", "tax")]
    labels = ["spam", "ham"] * 10
    spec = "prompt-ensemble:members=category+start|no-list+start:calibration=auto"
    assert PromptEnsemble.trains_on(parse_spec(spec).options)
    assert not PromptEnsemble.trains_on(parse_spec("prompt-ensemble:members=no-list+start").options)
    with pytest.raises(InputError, match="needs labelled examples"):
        build_and_fit(spec, None, labels="spam,ham", model=lm)
    pool = lmtask.data.LabeledData(texts, labels, source="examples")
    clf = build_and_fit(spec, pool, labels="spam,ham", model=lm)
    chosen = [m.chosen_calibration for m in clf.members]
    assert None not in chosen and not clf.needs_training_data
    assert clf.describe()["chosen_calibrations"] == chosen
    again = lmtask.load(lmtask.save(clf, tmp_path / "art"), model=lm)
    assert [m.chosen_calibration for m in again.members] == chosen
    np.testing.assert_allclose(again.predict_proba(texts), clf.predict_proba(texts), rtol=1e-5)
    plain = PromptEnsemble(labels="spam,ham", model=lm, members=["no-list+start"])
    with pytest.raises(InputError, match="learns nothing from examples"):
        plain.fit(texts, labels)
