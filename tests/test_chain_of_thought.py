"""Chain-of-thought: prompt stages, reasoning kept, answer extraction (tiny models)."""

from __future__ import annotations

import numpy as np
import pytest

import lmtask
from lmtask.methods.prompt import chain_of_thought as cot


@pytest.mark.parametrize(
    "text, expected",
    [
        ("It praises the weather. Therefore, the answer is positive.", "It praises the weather."),
        ("Words are warm. So the answer is positive", "Words are warm."),
        ("No conclusion yet, still thinking", "No conclusion yet, still thinking"),
        ("Therefore at the start", "Therefore at the start"),
    ],
)
def test_cut_answer(text, expected):
    assert cot._cut_answer(text, "Therefore, the answer is") == expected


def test_two_stages_score_labels_after_the_reasoning(tiny_factory, monkeypatch):
    lm = tiny_factory()
    seen = {}

    def fake_generate(lm_, ids, max_new_tokens, *, batch_size, progress=None):
        seen["prompts"] = [lm_.tokenizer.decode(x) for x in ids]
        return ["It sounds happy. Therefore, the answer is positive.", "Grumpy words."]

    monkeypatch.setattr(cot, "generate_ids", fake_generate)
    clf = lmtask.ChainOfThought(task="sentiment", model=lm)
    preds = clf.predict(["I love it", "I hate it"])
    assert all("Let's think step by step." in p for p in seen["prompts"])
    assert [p.rationale for p in preds] == ["It sounds happy.", "Grumpy words."]
    for p in preds:
        assert p.label in clf.labels
        assert abs(sum(p.scores.values()) - 1) < 1e-9
    assert "rationale" in preds[0].to_dict()


def test_few_shot_reasoning_exemplars_are_in_the_prompt(tiny_factory):
    ex = [("Lovely day", "The speaker enjoys the day.", "positive")]
    clf = lmtask.ChainOfThought(task="sentiment", model=tiny_factory(), examples=ex)
    before, after = clf._parts()
    assert "The speaker enjoys the day. Therefore, the answer is positive." in before
    assert after.endswith("Let's think step by step.")
    with pytest.raises(ValueError, match="text, reasoning, label"):
        lmtask.ChainOfThought(task="sentiment", model=tiny_factory(), examples=[("a", "b", "x")])


def test_runs_for_real_on_a_tiny_model(tiny_factory, tiny_kind):
    clf = lmtask.ChainOfThought(
        task="sentiment", model=tiny_factory(tiny_kind), max_reasoning_tokens=4
    )
    preds = clf.predict(["good", "bad"])
    assert all(isinstance(p.rationale, str) for p in preds)
    p = np.array([[p.scores[lb] for lb in clf.labels] for p in preds])
    np.testing.assert_allclose(p.sum(1), 1.0)


@pytest.mark.parametrize(
    "options, named",
    [({"calibrate": True}, "calibrate=True"), ({"calibration": "background"},
     "calibration=background"), ({"background": "english"}, "background=english")],
)  # fmt: skip
def test_asking_for_calibration_is_refused_not_ignored(options, named):
    """Its answer follows free reasoning, so there is no prompt bias to remove: asking for
    calibration in any of its three spellings is a one-line error, not silently dropped."""
    with pytest.raises(lmtask.InputError, match=f"calibration does not apply \\({named}\\)"):
        lmtask.ChainOfThought(labels="a,b", model=object(), **options)


def test_a_task_recommending_calibration_is_fine(tiny_factory):
    """The built-in sentiment task recommends background calibration; chain-of-thought just
    does without it (nothing was asked for)."""
    clf = lmtask.ChainOfThought(task="sentiment", model=tiny_factory())
    assert clf.describe()["calibration"] is None
