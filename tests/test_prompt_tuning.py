"""Prompt tuning, prefix tuning and LoRA on a causal LM (tiny random models): training lowers
the loss, scoring matches zero-shot with a no-op adapter, artifacts round-trip and hold only
adapter tensors, a mismatched base is refused."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

import lmtask
from lmtask.artifacts import ArtifactError
from lmtask.errors import InputError, LmtaskError
from lmtask.methods import get_method
from lmtask.methods.trained.peft_lm import LoraLM, PrefixTuning, PromptTuning

POS = ["good", "great", "nice", "lovely"]
NEG = ["bad", "awful", "terrible", "poor"]
X = [f"{w} {w}" for w in POS + NEG]
Y = ["positive"] * 4 + ["negative"] * 4
FAST = dict(epochs=6, batch_size=8, logging_steps=1, dev_fraction=0)  # full batch
METHODS = [PromptTuning, PrefixTuning, LoraLM]


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def lm(tiny_factory):
    return dataclasses.replace(tiny_factory("qwen2"), source_hash="hash-a")


@pytest.fixture(scope="module")
def trained(lm):
    return {cls: cls("sentiment", lm, **FAST).fit(X, Y) for cls in METHODS}


@pytest.mark.parametrize("cls", METHODS)
def test_training_lowers_loss_and_probs_sum_to_one(trained, cls):
    clf = trained[cls]
    losses = [v for _, v in clf.result.losses]
    assert len(losses) == 6 and losses[-1] < losses[0]
    p = clf.predict_proba([*X, "", "something else"])
    assert p.shape == (10, len(clf.labels))
    np.testing.assert_allclose(p.sum(1), 1.0, atol=1e-9)
    preds = clf.predict(X[:2])
    assert preds[0].label in clf.labels and abs(sum(preds[0].scores.values()) - 1) < 1e-9


@pytest.mark.parametrize("cls", METHODS)
def test_batching_does_not_change_scores(trained, cls):
    clf = trained[cls]
    texts = ["a", "a much longer text than the others here", "good good"]
    full = clf.predict_proba(texts)
    clf.config.predict_batch_size = 1
    try:
        one = clf.predict_proba(texts)
    finally:
        clf.config.predict_batch_size = 16
    np.testing.assert_allclose(full, one, atol=1e-5)


@pytest.mark.parametrize("kind", ["qwen2", "llama"])
def test_untrained_lora_matches_zero_shot(tiny_factory, kind):
    """LoRA's B starts at zero: the adapted model is the base, so scores equal zero-shot's."""
    lm = tiny_factory(kind)
    texts = ["I love it", "terrible", "", "meh, it was fine I guess"]
    zs = lmtask.ZeroShot("sentiment", model=lm, calibrate=False).predict_proba(texts)
    clf = LoraLM("sentiment", lm).build()
    np.testing.assert_allclose(clf.predict_proba(texts), zs, atol=1e-5)


def test_shared_base_model_is_not_changed(lm, trained):
    before = lmtask.ZeroShot("sentiment", model=lm).predict_proba(X)
    assert not any("lora" in n for n, _ in lm.model.named_parameters())
    assert all(p.requires_grad for p in lm.model.parameters())
    LoraLM("sentiment", lm, **FAST).fit(X, Y)
    np.testing.assert_allclose(lmtask.ZeroShot("sentiment", model=lm).predict_proba(X), before)


@pytest.mark.parametrize("cls", METHODS)
def test_save_load_round_trip(trained, lm, cls, tmp_path):
    clf = trained[cls]
    path = lmtask.save(clf, tmp_path / "a")
    back = lmtask.load(path, model=lm)
    assert type(back) is cls
    np.testing.assert_allclose(back.predict_proba(X), clf.predict_proba(X), atol=1e-6)
    state = clf.artifact_state()
    n_base = sum(p.numel() for p in lm.model.parameters())
    n_saved = sum(t.numel() for t in state["tensors"].values())
    assert 0 < n_saved < n_base / 10
    if cls is LoraLM:
        assert all("lora_" in k for k in state["tensors"])
    else:
        assert list(state["tensors"]) == ["prompt_embeddings"]


def test_mismatched_base_is_refused(trained, lm, tmp_path):
    path = lmtask.save(trained[PromptTuning], tmp_path / "a")
    other = dataclasses.replace(lm, source_hash="hash-b")
    with pytest.raises(ArtifactError):
        lmtask.load(path, model=other)
    with pytest.raises(ArtifactError, match="hash"):
        lmtask.load(path, model=other, check_model=False)  # the method's own check


def test_registered_and_errors(lm):
    assert get_method("prompt-tuning") is PromptTuning
    assert get_method("prefix-tuning") is PrefixTuning
    assert get_method("lora-lm") is LoraLM
    assert PromptTuning.needs_training_data
    assert PromptTuning(model=lm).config.lr == 3e-2
    with pytest.raises(InputError, match="has no option"):
        PromptTuning("sentiment", lm, nope=1)
    with pytest.raises(LmtaskError, match="not trained"):
        PromptTuning("sentiment", lm).predict(["x"])
    with pytest.raises(InputError, match="not in the task"):
        LoraLM("sentiment", lm).fit(["x", "y"], ["positive", "zzz"])


@pytest.mark.parametrize("cls", METHODS)
def test_dev_set_picks_best_epoch_and_resume_continues(lm, cls, tmp_path):
    dev = (["good good", "bad bad"], ["positive", "negative"])
    opts = {**FAST, "epochs": 2, "output_dir": str(tmp_path / "ckpt"),
            "early_stopping_patience": None}  # fmt: skip
    first = cls("sentiment", lm, **opts).fit(X, Y, *dev)
    assert [e for e, _ in first.result.dev_accuracy] == [1.0, 2.0]
    assert (
        first.result.best_checkpoint
        and first.result.best_metric in dict(first.result.dev_accuracy).values()
    )
    from safetensors.torch import load_file  # the model holds the best epoch's adapter

    best = load_file(f"{first.result.best_checkpoint}/adapter_model.safetensors")
    now = first.trained_tensors()
    assert sorted(best) == sorted(now) and all(torch.equal(best[k], now[k]) for k in now)
    same = cls("sentiment", lm, **opts).fit(X, Y, *dev, resume=True)  # nothing left to train
    kept = same.trained_tensors()  # so the adapter is the one restored from the checkpoint
    assert all(torch.equal(kept[k], now[k]) for k in now)
    again = cls("sentiment", lm, **{**opts, "epochs": 4}).fit(X, Y, *dev, resume=True)
    assert again.result.start_step == first.result.global_step == 2
    assert again.result.global_step == 4 and len(again.result.dev_accuracy) == 4


def test_early_stopping_on_dev_accuracy(lm):
    """lr=0: dev accuracy never improves, so patience 2 stops after epoch 3 of 10."""
    clf = PromptTuning("sentiment", lm, **{**FAST, "epochs": 10, "lr": 0.0},
                       early_stopping_patience=2).fit(X, Y, X[:2], Y[:2])  # fmt: skip
    assert [e for e, _ in clf.result.dev_accuracy] == [1.0, 2.0, 3.0]


def test_dev_fraction_is_held_out(lm):
    clf = LoraLM("sentiment", lm, **{**FAST, "epochs": 1, "dev_fraction": 0.25}).fit(X, Y)
    assert len(clf.result.dev_accuracy) == 1
    assert clf.result.history[0].get("epoch") is not None


@pytest.mark.parametrize(
    "texts, labels, dev, message",
    [
        (["a", "b"], ["positive", "positive"], None, "only the label"),
        (["a"], ["positive"], None, "at least 2"),
        (["a", "b"], ["positive", "negative"], (["c"], ["angry"]), "never occur"),
    ],
)
def test_bad_training_data_is_refused(lm, texts, labels, dev, message):
    with pytest.raises(InputError, match=message):
        PrefixTuning("sentiment", lm).fit(texts, labels, *(dev or ()))
