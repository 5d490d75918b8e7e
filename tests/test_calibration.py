"""Contextual calibration and abstention."""

from __future__ import annotations

import numpy as np

import lmtask
from lmtask.engine.calibration import CONTENT_FREE, calibrate, content_free_bias


def test_calibration_divides_out_a_fixed_bias():
    bias = np.log([0.6, 0.3, 0.1])
    lp = np.log([[0.6, 0.3, 0.1], [0.3, 0.3, 0.4], [0.2, 0.2, 0.6]])
    got = np.exp(calibrate(lp, bias))
    np.testing.assert_allclose(got[0], [1 / 3] * 3)  # the bias itself becomes uniform
    expect = np.array([0.3 / 0.6, 0.3 / 0.3, 0.4 / 0.1])
    np.testing.assert_allclose(got[1], expect / expect.sum())
    np.testing.assert_allclose(got.sum(1), 1.0)


class FixedScorer:
    def __init__(self, table):
        self.table = table
        self.seen = []

    def log_probs(self, texts):
        self.seen.extend(texts)
        return np.log(np.array([self.table[t] for t in texts]))


def test_content_free_bias_averages_the_content_free_inputs():
    s = FixedScorer({"N/A": [0.8, 0.2], "": [0.6, 0.4], "[MASK]": [0.7, 0.3]})
    np.testing.assert_allclose(np.exp(content_free_bias(s)), [0.7, 0.3])
    assert s.seen == list(CONTENT_FREE)


def test_calibrated_classifier_is_uniform_on_content_free_input(tiny_factory):
    clf = lmtask.ZeroShot(task="sentiment", model=tiny_factory(), calibration="contextual")
    p = clf.predict_proba(["N/A", "I love it"])
    raw = lmtask.ZeroShot(task="sentiment", model=tiny_factory()).predict_proba(["N/A"])
    assert not np.allclose(raw[0], 1 / 3, atol=1e-3), "the tiny model should have a bias"
    # "N/A" alone is one of the three content-free inputs, so not exactly uniform; the mean is.
    mean_cf = np.exp(clf.log_probs(list(CONTENT_FREE))).mean(0)
    np.testing.assert_allclose(mean_cf / mean_cf.sum(), 1 / 3, atol=0.05)
    np.testing.assert_allclose(p.sum(1), 1.0)
    assert clf.describe()["calibrate"] is True


def test_abstention_below_min_confidence(tiny_factory):
    lm = tiny_factory()
    base = lmtask.ZeroShot(task="sentiment", model=lm).predict(["a", "b", "c", "d"])
    conf = sorted(p.confidence for p in base)
    cut = (conf[1] + conf[2]) / 2
    preds = lmtask.ZeroShot(task="sentiment", model=lm, min_confidence=cut).predict(
        ["a", "b", "c", "d"]
    )
    for p, b in zip(preds, base, strict=True):
        assert p.scores == b.scores
        assert p.label == (b.label if b.confidence >= cut else None)
    assert sum(p.label is None for p in preds) == 2


def test_domain_calibration_divides_out_the_answer_start_prior(tiny_factory):
    """PMI_DC: the bias is the label distribution after the answer start alone (no question,
    no text); a calibrated classifier divides exactly that out."""
    from lmtask.engine.calibration import domain_bias
    from lmtask.engine.scoring import LabelScorer

    lm = tiny_factory()
    clf = lmtask.ZeroShot(task="sentiment", model=lm, calibrate=True, calibration="domain")
    raw = lmtask.ZeroShot(task="sentiment", model=lm, calibrate=False)
    bias = domain_bias(lm, clf.task)
    import dataclasses

    premise = LabelScorer.for_task(lm, dataclasses.replace(clf.task, template="{text}"))
    np.testing.assert_allclose(bias, premise.log_probs([""])[0])
    np.testing.assert_allclose(clf.bias(), bias)
    texts = ["I love it", "I hate it"]
    want = calibrate(raw.log_probs(texts), bias)
    np.testing.assert_allclose(clf.log_probs(texts), want, atol=1e-9)
    assert clf.describe()["calibration"] == "domain"
    contextual = lmtask.ZeroShot(task="sentiment", model=lm, calibration="contextual")
    assert not np.allclose(contextual.bias(), bias), "two different bias estimates"


def test_auto_calibration_chooses_on_held_out_examples_and_is_saved(tiny_factory, tmp_path):
    """calibration=auto: few-shot holds out part of its pool and keeps whichever of none,
    contextual and domain scores best there; the choice travels with the artifact."""
    lm = tiny_factory()
    pool = [(f"text number {i}", "positive" if i % 2 else "negative") for i in range(20)]
    clf = lmtask.FewShot(labels="positive,negative", model=lm, shots=2, select="random",
                         calibrate=True, calibration="auto")  # fmt: skip
    clf.fit([t for t, _ in pool], [y for _, y in pool])
    assert clf.chosen_calibration in ("none", "contextual", "domain")
    texts = ["another text", "and one more"]
    raw = clf.scorer(clf.examples_for(texts)[0]).log_probs(texts)
    if clf.chosen_calibration == "none":
        np.testing.assert_allclose(clf.log_probs(texts), raw)
    else:
        assert not np.allclose(clf.log_probs(texts), raw)
    again = lmtask.load(lmtask.save(clf, tmp_path / "fs"), model=lm)
    assert again.chosen_calibration == clf.chosen_calibration
    np.testing.assert_allclose(again.predict_proba(texts), clf.predict_proba(texts))
    zs = lmtask.ZeroShot(labels="a,b", model=lm, calibrate=True, calibration="auto")
    import pytest

    with pytest.raises(lmtask.InputError, match="calibration=auto chooses on labelled"):
        zs.predict(["x"])
    few = lmtask.FewShot(labels="a,b", model=lm, calibrate=True, calibration="auto")
    with pytest.raises(lmtask.InputError, match="needs at least 10 labelled examples"):
        few.fit(["x", "y", "z"], ["a", "b", "a"])


TEXTS = [f"text number {w} about {x}" for w in ("one", "two", "three", "four", "five")
         for x in ("cats", "rain", "tax", "code")]  # fmt: skip


def test_batch_calibration_uses_the_texts_own_mean_answer(tiny_factory):
    """calibration=batch divides out the mean label distribution of the texts classified
    together; a call with too few texts falls back to contextual, with a warning."""
    import pytest

    from lmtask.engine.calibration import BATCH_MIN, CalibrationWarning, batch_bias

    lm = tiny_factory()
    raw = lmtask.ZeroShot(labels="spam,ham,other", model=lm, calibrate=False)
    clf = lmtask.ZeroShot(labels="spam,ham,other", model=lm, calibrate=True, calibration="batch")
    ctx = lmtask.ZeroShot(labels="spam,ham,other", model=lm, calibrate=True,
                          calibration="contextual")  # fmt: skip
    assert len(TEXTS) >= BATCH_MIN and clf.answers_depend_on_batch
    lp_raw = raw.log_probs(TEXTS)
    np.testing.assert_allclose(clf.log_probs(TEXTS), calibrate(lp_raw, batch_bias(lp_raw)))
    mean = np.exp(clf.log_probs(TEXTS)).mean(0)
    raw_mean = np.exp(lp_raw).mean(0)
    assert mean.max() - mean.min() < raw_mean.max() - raw_mean.min()  # evened out
    with pytest.warns(CalibrationWarning, match="3 given"):
        few = clf.log_probs(TEXTS[:3])
    np.testing.assert_allclose(few, ctx.log_probs(TEXTS[:3]))
    # two requests in one call: each calibrated on its own texts
    both = clf.log_probs(TEXTS + TEXTS[:18], requests=[len(TEXTS), 18])
    np.testing.assert_allclose(both[: len(TEXTS)], clf.log_probs(TEXTS))
    np.testing.assert_allclose(both[len(TEXTS) :], clf.log_probs(TEXTS[:18]))
    each = clf.predict_each([TEXTS, TEXTS[:18]])
    alone = clf.predict(TEXTS[:18])
    assert [p.label for p in each[1]] == [p.label for p in alone]
    np.testing.assert_allclose([list(p.scores.values()) for p in each[1]],
                               [list(p.scores.values()) for p in alone], rtol=1e-6)  # fmt: skip
    with pytest.raises(lmtask.InputError, match="requests of 3 texts"):
        clf.log_probs(TEXTS[:2], requests=[3])
    assert not ctx.answers_depend_on_batch
    assert clf.describe()["calibration"] == "batch" and clf.describe()["batch_min"] == BATCH_MIN


def test_words_calibration_divides_out_random_words_of_the_call(tiny_factory):
    """calibration=words divides out the mean answer to pseudo-texts of random words from
    the texts classified together: the same bias whatever their order, each request its
    own, contextual (with a warning) under BATCH_MIN texts, refused with per-text prompts."""
    import pytest

    from lmtask.engine.calibration import BATCH_MIN, CalibrationWarning, words_bias

    lm = tiny_factory()
    raw = lmtask.ZeroShot(labels="spam,ham,other", model=lm, calibrate=False)
    clf = lmtask.ZeroShot(labels="spam,ham,other", model=lm, calibrate=True, calibration="words")
    ctx = lmtask.ZeroShot(labels="spam,ham,other", model=lm, calibration="contextual")
    assert clf.answers_depend_on_batch and clf.describe()["batch_min"] == BATCH_MIN
    bias = words_bias(raw.scorer(()), TEXTS)
    np.testing.assert_allclose(bias, words_bias(raw.scorer(()), TEXTS[::-1]))
    assert not np.allclose(bias, words_bias(raw.scorer(()), TEXTS[:18]))
    expect = calibrate(raw.log_probs(TEXTS), bias)
    np.testing.assert_allclose(clf.log_probs(TEXTS), expect, rtol=1e-6)
    both = clf.log_probs(TEXTS + TEXTS[:18], requests=[len(TEXTS), 18])
    np.testing.assert_allclose(both[: len(TEXTS)], expect, rtol=1e-6)
    np.testing.assert_allclose(both[len(TEXTS) :], clf.log_probs(TEXTS[:18]), rtol=1e-6)
    with pytest.warns(CalibrationWarning, match="calibration=words needs at least 16"):
        few = clf.log_probs(TEXTS[:3])
    np.testing.assert_allclose(few, ctx.log_probs(TEXTS[:3]))
    with pytest.raises(lmtask.InputError, match="select=nearest gives each text its own"):
        lmtask.FewShot(labels="spam,ham,other", model=lm, select="nearest", calibration="words")
    # recommended by the task, not asked for: contextual for per-text prompts
    from lmtask.tasks import Task

    task = Task.from_dict({"labels": ["spam", "ham", "other"], "calibration": "words"})
    quiet = lmtask.FewShot(task=task, model=lm, shots=1, select="nearest")
    assert quiet.calibration_mode == "contextual" and not quiet.answers_depend_on_batch
    # fixed examples: a text that is itself an example gets other ones (a second prompt);
    # every text is still calibrated on the words of the whole call, and none fails
    shots = lmtask.FewShot(task=task, model=lm, shots=1, select="balanced")
    shots.fit(TEXTS[:3] * 4, ["spam", "ham", "other"] * 4)
    assert shots.calibration_mode == "words"
    plain = shots.log_probs(TEXTS[3:])
    with_example = shots.log_probs(TEXTS[3:] + TEXTS[:1])
    assert len(set(shots.examples_for(TEXTS[3:] + TEXTS[:1]))) == 2
    assert np.isfinite(with_example).all() and with_example.shape == (len(TEXTS) - 2, 3)
    words_same = words_bias(shots.scorer(shots.examples_for(TEXTS[3:4])[0]), TEXTS[3:] + TEXTS[:1])
    ex = shots.examples_for(TEXTS[3:4])[0]
    raw_shots = shots.scorer(ex).log_probs(TEXTS[3:])
    np.testing.assert_allclose(with_example[:-1], calibrate(raw_shots, words_same), rtol=1e-5)
    assert not np.allclose(plain, with_example[:-1])  # the call's words changed, not its prompt


def test_a_task_recommends_its_calibration(tiny_factory):
    """Task.calibration is used unless the options name one; a bad value is refused."""
    import pytest

    from lmtask.tasks import Task
    from lmtask.tasks.wordings import AD_HOC

    lm = tiny_factory()
    task = Task.from_dict({"labels": ["a", "b"], "calibrate": True, "calibration": "domain"})
    assert lmtask.ZeroShot(task=task, model=lm).calibration_mode == "domain"
    assert lmtask.ZeroShot(task=task, model=lm, calibration="batch").calibration_mode == "batch"
    assert Task.from_dict(task.to_dict()) == task
    plain = Task.from_dict({"labels": ["a", "b"], "calibrate": True})
    assert lmtask.ZeroShot(task=plain, model=lm).calibration_mode == "contextual"
    assert "calibration" not in plain.to_dict()
    adhoc = lmtask.ZeroShot(labels="a,b", model=lm)
    assert adhoc.calibration_mode == (AD_HOC.calibration or "contextual")
    named = Task.from_dict({"labels": ["a", "b"], "calibration": "batch"})
    assert named.calibrate and lmtask.ZeroShot(task=named, model=lm).calibration_mode == "batch"
    with pytest.raises(lmtask.TaskError, match="'calibration' must be one of"):
        Task.from_dict({"labels": ["a", "b"], "calibration": "magic"})


def test_a_task_recommending_batch_falls_back_quietly_and_wrappers_keep_requests(tiny_factory):
    """A task that recommends batch calibration: a call with fewer than 16 texts gets
    contextual, without a warning (nobody asked for batch in the options). Methods that wrap
    or replace the scoring (prompt ensemble, chain-of-thought, the cascade's slow member)
    keep requests apart or never batch-calibrate."""
    import warnings

    from lmtask.ladder.cascade import Cascade
    from lmtask.methods.prompt.chain_of_thought import ChainOfThought
    from lmtask.methods.prompt.ensemble import PromptEnsemble
    from lmtask.tasks import Task

    lm = tiny_factory()
    task = Task.from_dict({"labels": ["spam", "ham", "other"], "calibrate": True,
                           "calibration": "batch"})  # fmt: skip
    clf = lmtask.ZeroShot(task=task, model=lm)
    ctx = lmtask.ZeroShot(task=task, model=lm, calibration="contextual")
    assert clf.calibration_mode == "batch"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        few = clf.log_probs(TEXTS[:3])
    np.testing.assert_allclose(few, ctx.log_probs(TEXTS[:3]))
    assert not np.allclose(clf.log_probs(TEXTS), ctx.log_probs(TEXTS))

    ens = PromptEnsemble(task=task, model=lm, members=["no-list+start", "category+start"],
                         calibrate=True, calibration="batch")  # fmt: skip
    assert ens.answers_depend_on_batch and ens.calibration_mode is None
    each = ens.predict_each([TEXTS, TEXTS[:18]])
    alone = ens.predict(TEXTS[:18])
    np.testing.assert_allclose([list(p.scores.values()) for p in each[1]],
                               [list(p.scores.values()) for p in alone], rtol=1e-6)  # fmt: skip
    cot = ChainOfThought(task=task, model=lm, max_reasoning_tokens=2)
    assert not cot.answers_depend_on_batch and cot.calibration_mode is None
    assert Cascade(task=task, model=lm, fast="ngram").slow.calibration_mode == "contextual"


def test_words_bias_keeps_its_pseudo_texts_notices_to_itself():
    """A pseudo-text cut to the model's window is not a text of the user's: no warning."""
    import warnings

    from lmtask.engine.calibration import words_bias
    from lmtask.engine.notices import notice
    from lmtask.engine.prompting import TruncationWarning

    class Cutting:
        def log_probs(self, texts):
            notice(f"{len(texts)} text(s) longer than the model's window", TruncationWarning)
            return np.log(np.full((len(texts), 2), 0.5))

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(np.exp(words_bias(Cutting(), ["a b", "c d"])), [0.5, 0.5])


def test_background_calibration_divides_out_shipped_pseudo_texts(tiny_factory):
    """calibration=background divides out the mean answer to pseudo-texts of the shipped
    word lists (code tokens for programming-language labels, English words otherwise): the
    same bias for every call, so a text's answer does not depend on the texts beside it."""
    from lmtask.engine.calibration import background_bias, background_kind, background_texts

    assert background_kind(["Python", "JavaScript"]) == "code"
    assert background_kind(["C++", "other"]) == "code"  # half name languages
    assert background_kind(["spam", "ham", "Go"]) == "english"
    # words that may name a language count only with another language name
    assert background_kind(["go", "stop"]) == background_kind(["D", "R"]) == "english"
    assert background_kind(["Go", "Rust", "Java"]) == background_kind(["js", "other"]) == "code"
    english, code = background_texts("english"), background_texts("code")
    assert len(english) == 40 and all(len(t.split()) == 30 for t in english + code)
    assert english == background_texts("english") != background_texts("english", seed=1)
    assert sum(t.split().count("the") for t in english) > 20  # drawn by frequency
    assert sum(t.count("{") + t.count("=") for t in code) > 20

    lm = tiny_factory()
    raw = lmtask.ZeroShot(labels="spam,ham,other", model=lm, calibrate=False)
    clf = lmtask.ZeroShot(labels="spam,ham,other", model=lm, calibration="background")
    assert clf.calibration_mode == "background" and not clf.answers_depend_on_batch
    bias = background_bias(raw.scorer(()), "english")
    expect = calibrate(raw.log_probs(TEXTS), bias)
    np.testing.assert_allclose(clf.log_probs(TEXTS), expect, rtol=1e-6)
    np.testing.assert_allclose(clf.log_probs(TEXTS[:2]), expect[:2], rtol=1e-6)
    ctx = lmtask.ZeroShot(labels="spam,ham,other", model=lm, calibration="contextual")
    assert not np.allclose(ctx.log_probs(TEXTS), expect)
    langs = lmtask.ZeroShot(labels="Python,Go", model=lm, calibrate=False)
    coded = lmtask.ZeroShot(labels="Python,Go", model=lm, calibration="background")
    assert coded.describe()["background"] == "code" == coded.background
    np.testing.assert_allclose(coded.bias(()), background_bias(langs.scorer(()), "code"))
    pseudo = np.exp(langs.log_probs(background_texts("code"))).mean(0)
    np.testing.assert_allclose(np.exp(coded.bias(())), pseudo, rtol=1e-6)
    # the list can be named: english for labels that only look like languages, and back
    named = lmtask.ZeroShot(labels="Python,Go", model=lm, calibration="background",
                            background="english")  # fmt: skip
    assert named.describe()["background"] == "english"
    np.testing.assert_allclose(named.bias(()), background_bias(langs.scorer(()), "english"))
    assert clf.describe()["background"] == "english"
    fresh = lmtask.ZeroShot(labels="spam,ham,other", model=lm, calibration="background")
    fresh.warm_up()  # what a server does on load: the first request does not pay for it
    np.testing.assert_allclose(fresh._bias[()], bias)


def test_auto_does_not_try_background_when_each_text_gets_its_own_prompt(tiny_factory, monkeypatch):
    """few-shot select=nearest gives each text its own prompt: background calibration would
    score its 40 pseudo-texts for every text, so calibration=auto leaves it out (as words);
    with one prompt for all texts it is tried."""
    from lmtask.methods.prompt import choosing

    lm = tiny_factory()
    tried = []
    real = choosing.background_bias
    monkeypatch.setattr(
        choosing, "background_bias", lambda *a, **k: tried.append(1) or real(*a, **k)
    )
    pool = [f"text number {i} about {w}" for i, w in enumerate(["cats", "rain", "tax"] * 4)]
    labels = ["positive", "negative"] * 6
    near = lmtask.FewShot(labels="positive,negative", model=lm, shots=2, select="nearest",
                          calibrate=True, calibration="auto")  # fmt: skip
    near.fit(pool, labels)
    assert not tried and near.chosen_calibration != "background"
    fixed = lmtask.FewShot(labels="positive,negative", model=lm, shots=2, select="random",
                           calibrate=True, calibration="auto")  # fmt: skip
    fixed.fit(pool, labels)
    assert tried  # tried with one prompt for all texts
