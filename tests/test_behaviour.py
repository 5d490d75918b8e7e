"""Behaviour on real packaged models: the seed tutorial's examples come out right."""

from __future__ import annotations

from dataclasses import replace

import pytest

import lmtask
from lmtask.demo import CPP, PY, SENTENCES


def test_smollm2_seed_sentiment(smol):
    """SmolLM2-135M is weak: with the seed's exact prompt, uncalibrated, it leans "positive"
    for every sentence (measured), but the scores move the right way between the two
    sentences; the task's background calibration (its measured default) and a one-word
    answer instruction each get both right."""
    base = lmtask.get_task("sentiment")
    p_love, p_dont = lmtask.ZeroShot(task=base, model=smol, calibrate=False).predict(SENTENCES)
    assert p_love.scores["positive"] > p_dont.scores["positive"]
    assert p_dont.scores["negative"] > p_love.scores["negative"]
    calibrated = lmtask.ZeroShot(task=base, model=smol).predict(SENTENCES)
    assert [p.label for p in calibrated] == ["positive", "negative"]
    one_word = replace(base, template=base.template + " Answer with one word.", answer_start="",
                       calibrate=False, calibration="")  # fmt: skip
    preds = lmtask.ZeroShot(task=one_word, model=smol).predict(SENTENCES)
    assert [p.label for p in preds] == ["positive", "negative"]


@pytest.mark.slow
def test_default_model_seed_examples():
    lm = lmtask.load_model()  # the default model, default dtype
    sent = lmtask.ZeroShot(task="sentiment", model=lm).predict(SENTENCES)
    assert [p.label for p in sent] == ["positive", "negative"]
    code = lmtask.ZeroShot(task="code-language", labels="C++,Python", model=lm).predict([CPP, PY])
    assert [p.label for p in code] == ["C++", "Python"]
    gen = lmtask.ZeroShot(task="sentiment", model=lm, mode="generate").predict(SENTENCES)
    assert [p.label for p in gen] == ["positive", "negative"]
