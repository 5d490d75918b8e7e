"""lm-features: a linear head on a frozen causal LM's early hidden states.

Mechanics on a tiny random Qwen2 saved as a folder (so the truncated loader runs for real);
behaviour on the packaged default model with real news articles.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import lmtask
from lmtask.engine.prompting import TruncationWarning
from lmtask.errors import InputError, LmtaskError
from lmtask.methods.trained.lm_features import LmFeatures, pooled_states
from lmtask.models.layers import load_first_layers

pytestmark = pytest.mark.usefixtures("one_thread")

TEXTS = ["def f(x):\n    return x", "int main() { return 0; }", "SELECT a FROM t;", ""]
TRAIN = [
    ("def g(y):\n    return y + 1", "py"),
    ("import os\nprint(os.name)", "py"),
    ("for i in range(3):\n    pass", "py"),
    ("int x = 1;", "c"),
    ("#include <stdio.h>\nint main(void);", "c"),
    ("static void f(int a) { a++; }", "c"),
]


def test_only_the_first_layers_are_loaded(tiny_qwen):
    fl = load_first_layers(tiny_qwen, 1)
    assert len(fl.model.layers) == 1 and fl.layers == 1
    with pytest.raises(InputError, match=r"layers=3: model .* has 2 layers"):
        load_first_layers(tiny_qwen, 3)


def test_pooled_states_are_the_whole_models_layer_output_averaged(tiny_qwen):
    from transformers import AutoModel

    whole = AutoModel.from_pretrained(tiny_qwen, attn_implementation="eager").eval()
    fl = load_first_layers(tiny_qwen, 1, dtype="float32")
    got = pooled_states(fl, TEXTS[:3], max_tokens=64, batch_size=2)  # padded batches
    for i, text in enumerate(TEXTS[:3]):
        ids = fl.tokenizer(text, add_special_tokens=False, return_tensors="pt")["input_ids"]
        with torch.no_grad():
            h = whole(input_ids=ids, output_hidden_states=True).hidden_states[1][0]
        np.testing.assert_allclose(got[i], h.mean(0).numpy(), rtol=1e-4, atol=1e-4)


def test_long_texts_are_cut_with_a_warning(tiny_qwen):
    fl = load_first_layers(tiny_qwen, 1, dtype="float32")
    from lmtask.methods.trained.lm_features import FeatureCutWarning

    # its own class (a TruncationWarning to the CLI), not the server's "cut in the middle"
    assert issubclass(FeatureCutWarning, TruncationWarning)
    assert FeatureCutWarning.__name__ != "TruncationWarning"
    with pytest.warns(FeatureCutWarning, match="1 text.*max_tokens=4"):
        x = pooled_states(fl, ["a b c d e f g h i j", "x"], max_tokens=4)
    assert x.shape == (2, fl.hidden_size) and np.isfinite(x).all()


def test_fit_predict_save_load_without_loading_the_lm_until_needed(tiny_qwen, tmp_path):
    clf = LmFeatures(model=tiny_qwen, dtype="float32", C=10.0)
    clf.fit([t for t, _ in TRAIN], [y for _, y in TRAIN])
    assert clf.labels == ["c", "py"]
    proba = clf.predict_proba(TEXTS)
    assert proba.shape == (4, 2) and np.allclose(proba.sum(1), 1)
    assert clf.proba_from_features(np.zeros((0, clf.mean.shape[-1]))).shape == (0, 2)
    train_pred = [p.label for p in clf.predict([t for t, _ in TRAIN])]
    assert train_pred == [y for _, y in TRAIN]  # C=10 separates six training rows
    path = lmtask.save(clf, tmp_path / "lmf")
    again = lmtask.load(path)
    assert again._layers is None  # loading the artifact reads the head only
    assert [p.to_dict() for p in again.predict(TEXTS)] == [p.to_dict() for p in clf.predict(TEXTS)]


def test_a_changed_model_is_refused_when_it_loads(tiny_qwen, tmp_path):
    clf = LmFeatures(model=tiny_qwen, dtype="float32").fit(
        [t for t, _ in TRAIN], [y for _, y in TRAIN]
    )
    again = lmtask.load(lmtask.save(clf, tmp_path / "lmf"))
    again.model_hash = "0" * 64
    with pytest.raises(InputError, match=r"was trained on .* retrain it"):
        again.predict(["x = 1"])


def test_check_model_false_loads_a_head_of_another_model(tiny_qwen, tmp_path):
    """As for any artifact: ``lmtask.load(path, check_model=False)`` skips the hash check."""
    clf = LmFeatures(model=tiny_qwen, dtype="float32").fit(
        [t for t, _ in TRAIN], [y for _, y in TRAIN]
    )
    path = lmtask.save(clf, tmp_path / "lmf")
    manifest = json.loads((path / lmtask.artifacts.MANIFEST).read_text())
    manifest["state"]["model_hash"] = "0" * 64  # as if trained on another model
    (path / lmtask.artifacts.MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(InputError, match="retrain it"):
        lmtask.load(path, model=tiny_qwen).predict(["x = 1"])
    loose = lmtask.load(path, model=tiny_qwen, check_model=False)
    assert [p.label for p in loose.predict(TEXTS)] == [p.label for p in clf.predict(TEXTS)]


def test_bad_training_data_is_refused(tiny_qwen):
    clf = LmFeatures(model=tiny_qwen, labels="x,y")
    with pytest.raises(InputError, match=r"only the label \['x'\]: a classifier needs 2\+"):
        clf.fit(["a", "b"], ["x", "x"])
    with pytest.raises(InputError, match="2 texts but 1 labels"):
        clf.fit(["a", "b"], ["x"])
    with pytest.raises(LmtaskError, match="not fitted"):
        LmFeatures(model=tiny_qwen, labels="a,b").predict(["x"])


def test_an_encoder_is_refused():
    with pytest.raises(lmtask.errors.ModelNotFoundError, match="is an encoder"):
        load_first_layers("all-minilm-l6-v2", 1)


@pytest.mark.slow
def test_real_model_separates_news_topics():
    """Layer 2 of the default model, 60 BBC articles to train, 60 others to test."""
    from lmtask.data import load_dataset

    data = load_dataset("bbc-news")
    rows = list(zip(data.texts, data.labels, strict=True))
    rng = np.random.default_rng(0)
    pick = rng.permutation(len(rows))[:120]
    train, test = [rows[i] for i in pick[:60]], [rows[i] for i in pick[60:]]
    clf = LmFeatures(max_tokens=128).fit([t for t, _ in train], [y for _, y in train])
    preds = clf.predict([t for t, _ in test])
    acc = np.mean([p.label == y for p, (_, y) in zip(preds, test, strict=True)])
    majority = max(np.mean([y == lb for _, y in test]) for lb in set(data.labels))
    assert acc > majority + 0.3, (acc, majority)


def test_review_fixes_dtype_labels_empty_texts_threads(tiny_qwen):
    from concurrent.futures import ThreadPoolExecutor

    from lmtask.methods import build

    assert build("lm-features", model=tiny_qwen, dtype="float32").config.dtype == "float32"
    clf = LmFeatures(model=tiny_qwen, labels="a,b", dtype="float32")
    with pytest.raises(InputError, match=r"training labels \['c'\] are not in the task's"):
        clf.fit_features(np.zeros((3, 32)), ["a", "b", "c"])
    with pytest.raises(InputError, match="3 feature rows but 2 labels"):
        clf.fit_features(np.zeros((3, 32)), ["a", "b"])
    clf.fit([t for t, _ in TRAIN], ["a"] * 3 + ["b"] * 3)
    assert [p.label for p in clf.predict(["", "  "])] == [None, None]  # unknown, not a guess
    fl = clf.first_layers
    texts = [t * (k + 1) for k, (t, _) in enumerate(TRAIN)]
    alone = [pooled_states(fl, [t], 64)[0] for t in texts]
    with ThreadPoolExecutor(4) as pool:  # one forward hook at a time per model
        together = list(pool.map(lambda t: pooled_states(fl, [t], 64)[0], texts * 5))
    np.testing.assert_allclose(np.array(together), np.array(alone * 5), atol=1e-5)


def test_the_fast_path_equals_transformers_on_the_packaged_model():
    """A packaged Qwen2 model on CPU runs its first layers in plain torch
    (lmtask.models.fast_layers: no transformers import, for the code detector's load time);
    tokens and features equal those of transformers' own layers."""
    import subprocess
    import sys

    from lmtask.models.fast_layers import FastTokenizer
    from lmtask.models.layers import _load_transformers
    from lmtask.models.resolve import resolve_model

    fast = load_first_layers("qwen2.5-coder-0.5b-instruct", 2, dtype="bfloat16")
    assert isinstance(fast.tokenizer, FastTokenizer)
    ref = _load_transformers(resolve_model("qwen2.5-coder-0.5b-instruct"), 2, torch.bfloat16,
                             "cpu")  # fmt: skip
    texts = [*TEXTS, "héllo wörld — 日本語 <|im_end|>\t\n  x", "fn main() {}\n" * 30]
    for t in texts:
        got = fast.tokenizer(t, add_special_tokens=False)["input_ids"]
        assert got == ref.tokenizer(t, add_special_tokens=False)["input_ids"]
    np.testing.assert_array_equal(pooled_states(fast, texts, 64, batch_size=3),
                                  pooled_states(ref, texts, 64, batch_size=3))  # fmt: skip
    code = ("import sys\nfrom lmtask.models.layers import load_first_layers\n"
            "load_first_layers('qwen2.5-coder-0.5b-instruct', 2)\n"
            "print('transformers' in sys.modules)")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
