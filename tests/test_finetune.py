"""Fine-tuning (full, head-only, LoRA): training, artifacts, resume, errors, NaN guard.

Mechanics run on tiny random-weight models saved as local folders (a BERT with the packaged
MiniLM tokenizer, a Qwen2 with the SmolLM2 tokenizer); one slow test trains the real
packaged all-MiniLM-L6-v2 head.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

import lmtask
from lmtask.artifacts import ArtifactError
from lmtask.engine.training import TrainingDivergedError
from lmtask.errors import InputError, LmtaskError
from lmtask.evaluation.plots import plot_curves
from lmtask.methods.trained.finetune import Finetune, Lora
from tests.helpers import FAST, X, Y

pytestmark = pytest.mark.usefixtures("one_thread")


def _train(cls, base, **kw):
    return cls(model=base, **{**FAST, **kw}).fit(X, Y)


@pytest.fixture(scope="module")
def head_clf(tiny_bert):
    return _train(Finetune, tiny_bert, mode="head", lr=5e-2)


def _first_last(clf) -> tuple[float, float]:
    losses = [v for _, v in clf.result.losses]
    assert len(losses) >= 8 and all(math.isfinite(v) for v in losses)
    return float(np.mean(losses[:4])), float(np.mean(losses[-4:]))


@pytest.mark.parametrize(
    "kind, cls, opts",
    [
        ("bert", Finetune, dict(mode="full", lr=1e-2)),
        ("bert", Finetune, dict(mode="head", lr=5e-2)),
        ("bert", Lora, dict(lr=3e-2)),
        ("qwen", Lora, dict(lr=3e-2)),
    ],
    ids=["full", "head", "lora", "lora-qwen2"],
)
def test_train_save_load(request, tmp_path, kind, cls, opts):
    base = request.getfixturevalue("tiny_bert" if kind == "bert" else "tiny_qwen")
    if opts.get("mode") == "head":
        clf = request.getfixturevalue("head_clf")
    else:
        clf = _train(cls, base, **opts)
    first, last = _first_last(clf)
    assert last < first, clf.result.losses
    path = lmtask.save(clf, tmp_path / "art")
    again = lmtask.load(path)
    assert type(again) is cls and again.labels == clf.labels == ["neg", "pos"]
    np.testing.assert_allclose(again.predict_proba(X), clf.predict_proba(X), atol=1e-6)
    m = json.loads((path / "manifest.json").read_text())
    assert m["model"] is None and m["state"]["base"] == base and m["state"]["base_hash"]
    keys = set(clf.trained_tensors())
    if opts.get("mode") == "head":
        assert keys == {"classifier.weight", "classifier.bias"}
    elif cls is Lora:
        assert keys and all("lora_" in k or "classifier" in k or "score" in k for k in keys)
        assert any("lora_A" in k for k in keys)
    else:
        assert len(keys) == len(clf.model.state_dict())


def test_predictions_are_probabilities(head_clf):
    preds = head_clf.predict(["good good", "awful awful", ""])
    assert len(preds) == 3 and all(abs(sum(p.scores.values()) - 1) < 1e-5 for p in preds)
    assert head_clf.predict([]) == []


def test_batches_by_length_give_each_text_its_own_scores(head_clf):
    """Texts are sorted by length into batches: every row still belongs to its own text."""
    texts = ["a much longer text " * 6, "short", "mid sized text here", "x", "good good"]
    head_clf.dtype = "float32"
    together = head_clf.logits(texts)
    alone = np.concatenate([head_clf.logits([t]) for t in texts])
    np.testing.assert_allclose(together, alone, atol=1e-4)


def test_bfloat16_predictions_are_close_to_float32(head_clf):
    texts = ["great fun", "awful dull", "fine", "so so good " * 5]
    head_clf.dtype = "float32"
    exact = head_clf.logits(texts)
    head_clf.dtype = "bfloat16"
    try:
        assert head_clf.predict_dtype() is torch.bfloat16
        approx = head_clf.logits(texts)
    finally:
        head_clf.dtype = "auto"
    assert approx.dtype == np.float32 and not np.array_equal(approx, exact)  # it did run bf16
    np.testing.assert_allclose(approx, exact, atol=0.3)  # a tiny random model; real: below


def test_layers_keeps_the_first_layers_and_saves_them(tiny_bert, tmp_path):
    clf = _train(Finetune, tiny_bert, layers=1)
    assert clf.model.config.num_hidden_layers == 1 and len(clf.model.bert.encoder.layer) == 1
    back = lmtask.load(lmtask.save(clf, tmp_path / "a"))
    assert back.model.config.num_hidden_layers == 1
    clf.dtype = back.dtype = "float32"
    np.testing.assert_array_equal(back.logits(X), clf.logits(X))
    with pytest.raises(InputError, match=r"layers=3: .* has 2 transformer layers"):
        Finetune(model=tiny_bert, layers=3, **FAST)  # refused at once, before any training


def test_long_text_is_truncated_with_warning(head_clf, caplog):
    with caplog.at_level("WARNING"):
        head_clf.predict(["good " * 200])
    assert "truncated" in caplog.text


def test_resume_continues_from_checkpoint(tiny_bert, tmp_path):
    opts = dict(mode="head", lr=5e-2, output_dir=str(tmp_path / "ckpt"), dev_fraction=0.25)
    first = _train(Finetune, tiny_bert, **{**opts, "epochs": 1})
    assert first.result.start_step == 0 and first.result.best_checkpoint
    assert first.result.dev_accuracy and len(first.result.dev_accuracy) == 1
    again = Finetune(model=tiny_bert, **{**FAST, **opts, "epochs": 2}).fit(X, Y, resume=True)
    assert again.result.start_step == first.result.global_step > 0
    assert again.result.global_step == 2 * first.result.global_step


def test_resume_without_checkpoint_is_refused(tiny_bert, tmp_path):
    clf = Finetune(model=tiny_bert, mode="head", output_dir=str(tmp_path / "empty"))
    with pytest.raises(InputError, match="no checkpoint"):
        clf.fit(X, Y, resume=True)


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda m, p: m["state"].update(base_hash="folder:" + "0" * 64), "hash"),
        (lambda m, p: m["config"].update(mode="full"), "do not fit"),
        (lambda m, p: (p / m["weights"]["file"]).write_bytes(b"junk"), "corrupt"),
    ],
    ids=["other-base", "wrong-tensors", "corrupt-weights"],
)
def test_bad_artifact_is_refused(head_clf, tmp_path, damage, message):
    path = lmtask.save(head_clf, tmp_path / "art")
    m = json.loads((path / "manifest.json").read_text())
    damage(m, path)
    (path / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(ArtifactError, match=message):
        lmtask.load(path)


@pytest.mark.parametrize(
    "texts, labels, dev, message",
    [
        (["a", "b", "c"], ["x", "x", "x"], None, "only the label"),
        (["a"], ["x"], None, "at least 2"),
        (["a", "b"], ["x", "y"], (["c"], ["z"]), "never occur"),
        (["a", "b"], ["x"], None, "2 texts but 1"),
    ],
)
def test_bad_training_data_is_refused(tiny_bert, texts, labels, dev, message):
    clf = Finetune(model=tiny_bert)
    with pytest.raises(InputError, match=message):
        clf.fit(texts, labels, *(dev or ()))


def test_unusable_settings_are_refused(tiny_bert):
    with pytest.raises(InputError, match="finetune has no option 'epoch'"):
        Finetune(model=tiny_bert, epoch=3)
    with pytest.raises(InputError, match="mode='half' must be one of"):
        Finetune(model=tiny_bert, mode="half")
    with pytest.raises(LmtaskError, match="fit"):
        Finetune(model=tiny_bert).predict(["x"])
    with pytest.raises(LmtaskError, match="unknown model"):
        Finetune(model="no-such-model").fit(X, Y)
    with pytest.raises(InputError, match="float16"):
        Finetune(model=tiny_bert, dtype="float16")
    clf = Finetune(task=None, labels=None, model=tiny_bert, dtype="auto", mode="head")  # as the CLI
    assert clf.needs_training_data and clf.config.mode == "head" and clf.config.model == tiny_bert


def test_nan_guard_stops_with_clear_error():
    from transformers import TrainerControl, TrainerState

    from lmtask.engine.training import NanGuard

    guard, state, control = NanGuard(), TrainerState(), TrainerControl()
    state.global_step = 7
    guard.on_log(None, state, control, logs={"loss": 0.5})
    assert not control.should_training_stop
    control.should_save = True
    guard.on_log(None, state, control, logs={"loss": float("nan")})
    assert control.should_training_stop and not control.should_save
    assert guard.bad == (7, "loss", guard.bad[2]) and math.isnan(guard.bad[2])
    assert issubclass(TrainingDivergedError, LmtaskError)


def test_divergence_raises_clear_error(tiny_bert):
    with pytest.raises(TrainingDivergedError, match=r"diverged: loss became nan .*learning rate"):
        _train(Finetune, tiny_bert, mode="full", lr=1e8)


def test_plot_curves(head_clf, tmp_path):
    out = plot_curves(head_clf.result, tmp_path / "curves.png")
    assert out.read_bytes()[:4] == b"\x89PNG"


# fmt: off
GOOD = ["I love this", "what a great day", "this is wonderful", "absolutely fantastic",
        "I really enjoyed it", "such a nice surprise", "best meal ever", "very happy with it",
        "a delightful film", "brilliant work", "so pleasant", "I like it a lot",
        "excellent service", "lovely people", "it made me smile", "superb quality",
        "highly recommended", "a joy to use", "perfect in every way", "thank you so much"]
BAD = ["I hate this", "what a terrible day", "this is awful", "absolutely horrible",
       "I really disliked it", "such a nasty surprise", "worst meal ever", "very sad about it",
       "a dreadful film", "lousy work", "so unpleasant", "I dislike it a lot",
       "rude service", "annoying people", "it made me cry", "poor quality",
       "not recommended", "a pain to use", "broken in every way", "never again"]
# fmt: on


@pytest.mark.slow
def test_real_minilm_head_learns_sentiment():
    texts, labels = GOOD + BAD, ["positive"] * 20 + ["negative"] * 20
    clf = Finetune(mode="head", lr=1e-2, epochs=5, batch_size=8, dev_fraction=0, warmup_ratio=0,
                   early_stopping_patience=None, logging_steps=5)  # fmt: skip
    clf.fit(texts, labels)
    acc = np.mean([p.label == y for p, y in zip(clf.predict(texts), labels, strict=True)])
    print(f"accuracy on the 40 training sentences: {acc:.2f}")
    assert acc > 0.7, acc
    clf.dtype = "float32"
    exact = np.array([p.scores["positive"] for p in clf.predict(texts)])
    clf.dtype = "bfloat16"
    approx = np.array([p.scores["positive"] for p in clf.predict(texts)])
    assert np.abs(approx - exact).max() < 0.02, np.abs(approx - exact).max()
    assert set(clf.trained_tensors()) == {"classifier.weight", "classifier.bias"}
