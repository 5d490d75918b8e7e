"""The ngram method: hashed character n-grams + a linear model (no language model)."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import warnings

import numpy as np
import pytest

import lmtask
from lmtask.engine.prompting import TruncationWarning
from lmtask.errors import InputError, LmtaskError
from lmtask.methods import Ngram, NgramConfig, build_and_fit, parse_spec
from lmtask.methods.baseline.ngram import hashed_ids, looks_binary


def _word(rng: random.Random) -> str:
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 9)))


def _snippet(lang: str, rng: random.Random) -> str:
    a, b, c = _word(rng), _word(rng), _word(rng)
    return {
        "Python": f"def {a}({b}):\n    if {b} is None:\n        return {c}\n    return {b}.{c}()\n",
        "C": f"static int {a}(int {b})\n{{\n    int {c} = {b} * 2;\n    return {c};\n}}\n",
        "SQL": f"SELECT {a}, {b}\nFROM {c}\nWHERE {a} > 0\nORDER BY {b};\n",
        "HTML": f'<div class="{a}">\n  <p id="{b}">{c}</p>\n  <a href="/{a}">{b}</a>\n</div>\n',
    }[lang]


def _data(n: int, seed: int) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    langs = ["Python", "C", "SQL", "HTML"]
    labels = [langs[i % 4] for i in range(n)]
    return [_snippet(lb, rng) for lb in labels], labels


@pytest.fixture(scope="module")
def fitted() -> Ngram:
    texts, labels = _data(80, seed=0)
    return Ngram(labels=["Python", "C", "SQL", "HTML", "Rust"]).fit(texts, labels)


def test_learns_an_easy_split(fitted):
    texts, labels = _data(60, seed=1)  # other identifiers than in training
    preds = fitted.predict(texts)
    acc = np.mean([p.label == y for p, y in zip(preds, labels, strict=True)])
    assert acc >= 0.95
    for p in preds:
        assert set(p.scores) == {"Python", "C", "SQL", "HTML", "Rust"}
        assert abs(sum(p.scores.values()) - 1) < 1e-6
        assert p.scores["Rust"] < 1e-6  # a task label with no training row
    proba = fitted.predict_proba(texts)
    assert proba.shape == (60, 5)
    assert np.allclose(proba, [[p.scores[lb] for lb in fitted.labels] for p in preds])


def test_empty_binary_and_prose_do_not_crash(fitted):
    prose = "The weather was lovely, and we walked along the river until the evening."
    csv = "name,age,city\nann,34,paris\nbob,27,rome\n"
    preds = fitted.predict(["", "   \n\t", "\x00\x01ELF\x02\x00\x00", prose, csv])
    assert [p.label for p in preds[:3]] == [None, None, None]  # no text / binary: unknown
    assert preds[3].label in fitted.labels and preds[4].label in fitted.labels
    for p in preds:
        assert all(0.0 <= v <= 1.0 for v in p.scores.values())
    assert fitted.predict([]) == []
    assert looks_binary("\ufffd\ufffd\ufffd abc") and not looks_binary("tab\there\r\n")


def test_min_confidence_abstains(fitted):
    texts, _ = _data(8, seed=2)
    sure = fitted.predict(texts)
    strict = Ngram(task=fitted.task, config=fitted.config.replace(min_confidence=0.999))
    strict.coef, strict.intercept = fitted.coef, fitted.intercept
    for a, b in zip(sure, strict.predict(texts), strict=True):
        assert b.label == (a.label if a.confidence >= 0.999 else None)
        assert b.scores == a.scores


def test_long_text_is_cut_with_a_warning(fitted):
    clf = Ngram(task=fitted.task, config=fitted.config.replace(max_chars=50))
    clf.coef, clf.intercept = fitted.coef, fitted.intercept
    long = _snippet("C", random.Random(3)) * 20
    with pytest.warns(TruncationWarning, match="1 text"):
        p = clf.predict([long, "x"])[0]
    assert p.scores == clf.predict([long[:50]])[0].scores
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fitted.predict([long])  # under the default limit: no warning


def test_save_load_identical_no_pickle_small(fitted, tmp_path):
    texts, _ = _data(20, seed=4)
    path = lmtask.save(fitted, tmp_path / "ngram")
    assert not list(path.glob("*.pkl")) and not list(path.glob("*.joblib"))
    (weights,) = path.glob("weights-*.safetensors")
    assert weights.stat().st_size < 5 * 2**16 * 2 + 10_000  # 5 labels x 2**16 float16
    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest["method"] == "ngram" and manifest["config"]["features_log2"] == 16
    again = lmtask.load(path)
    assert isinstance(again, Ngram)
    assert [p.to_dict() for p in again.predict(texts)] == [
        p.to_dict() for p in fitted.predict(texts)
    ]
    assert again.describe()["trained_on"] == 80


def test_training_is_deterministic_and_binary_tasks_work():
    texts, labels = _data(40, seed=5)
    a = Ngram().fit(texts, labels)
    b = Ngram().fit(texts, labels)
    assert np.array_equal(a.coef, b.coef) and a.labels == sorted(set(labels))
    two = [(t, y) for t, y in zip(texts, labels, strict=True) if y in ("Python", "SQL")]
    clf = Ngram(labels="Python,SQL").fit([t for t, _ in two], [y for _, y in two])
    preds = clf.predict([_snippet("SQL", random.Random(9)), _snippet("Python", random.Random(9))])
    assert [p.label for p in preds] == ["SQL", "Python"]


def test_options_and_errors():
    with pytest.raises(InputError, match="ngram_min=4 must be at most ngram_max=3"):
        parse_spec("ngram:ngram_min=4")
    with pytest.raises(InputError, match="features_log2=30 must be at most 22"):
        NgramConfig(features_log2=30)
    with pytest.raises(InputError, match="whitespace='drop' must be one of 'keep', 'collapse'"):
        parse_spec("ngram:whitespace=drop")
    with pytest.raises(LmtaskError, match="not fitted"):
        Ngram(labels="a,b").predict(["x"])
    with pytest.raises(InputError, match="at least two different labels"):
        Ngram(labels="x,y").fit(["a", "b"], ["x", "x"])
    with pytest.raises(InputError, match="not labels of the task"):
        Ngram(labels="a,b").fit(["a", "b"], ["a", "c"])
    with pytest.raises(InputError, match="labelled rows"):
        Ngram().fit(["a"], ["x", "y"])
    texts, labels = _data(16, seed=6)

    class Pool:
        pass

    pool = Pool()
    pool.texts, pool.labels, pool.source = texts, labels, "t"  # type: ignore[attr-defined]
    clf = build_and_fit("ngram:ngram_max=4:words=false:features_log2=12", pool)
    assert clf.config.ngram_max == 4 and clf.coef.shape == (4, 2**12)


def test_hashing_is_pinned_and_whitespace_counts():
    # Saved weights depend on these bucket numbers: a change here breaks every artifact.
    assert hashed_ids("ab ab", 1, 2, False, 10).tolist() == [719, 439, 891, 719, 439, 200,
                                                            518, 848, 200]  # fmt: skip
    assert len(hashed_ids("x", 1, 3, True, 16)) == 2  # one char n-gram, one token
    assert len(hashed_ids("", 1, 3, True, 16)) == 0
    assert len(hashed_ids("\ud800 lone surrogate", 1, 3, True, 16)) > 0
    keep = Ngram(labels="a,b").features(["a\n\tb", "a b"])
    collapse = Ngram(labels="a,b", whitespace="collapse").features(["a\n\tb", "a b"])
    assert (keep[0] != keep[1]).nnz and not (collapse[0] != collapse[1]).nnz
    assert np.allclose(keep.multiply(keep).sum(axis=1), 1.0)  # L2-normalised rows


def test_loading_and_predicting_need_no_scikit_learn(fitted, tmp_path):
    path = lmtask.save(fitted, tmp_path / "ngram")
    code = (
        "import sys, lmtask; clf = lmtask.load(sys.argv[1]); "
        "print(clf.predict(['SELECT a FROM b;'])[0].label, 'sklearn' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                         text=True, check=True)  # fmt: skip
    assert out.stdout.split() == [fitted.predict(["SELECT a FROM b;"])[0].label, "False"]


def test_numpy_scoring_matches_the_training_features(fitted):
    texts, _ = _data(12, seed=7)
    sparse = np.asarray(fitted.features(texts) @ fitted.coef.T) + fitted.intercept
    sig = 1.0 / (1.0 + np.exp(-sparse))
    assert np.allclose(fitted.predict_proba(texts), sig / sig.sum(axis=1, keepdims=True))


def test_weights_saved_as_torch_tensors_still_load(fitted, tmp_path):
    torch = pytest.importorskip("torch")
    state = fitted.artifact_state()
    assert all(isinstance(v, np.ndarray) for v in state["tensors"].values())
    as_torch = {k: torch.from_numpy(v) for k, v in state["tensors"].items()}  # older artifacts
    again = Ngram.from_artifact(fitted.task, None, vars(fitted.config), state, as_torch)
    texts, _ = _data(8, seed=8)
    assert np.array_equal(again.predict_proba(texts), fitted.predict_proba(texts))


def test_the_code_language_ngrams_build_and_predict_without_torch(tmp_path):
    """The n-grams alone (``cascade:threshold=0``: the head is never asked) need no torch; the
    default pair imports it (for the head) when it is built."""
    code = (
        "import sys; from lmtask.ladder import classifier_for; "
        "clf = classifier_for('cascade:threshold=0', task='code-language'); "
        "print(clf.fast.method_name, clf.predict(['#include <stdio.h>\\nint main(void) {\\n"
        '  printf("hi\\\\n");\\n  return 0;\\n}\'])[0].label, '
        "[m for m in ('torch', 'transformers', 'peft', 'sklearn') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)  # fmt: skip
    assert out.stdout.split() == ["ngram", "C", "[]"]


def test_a_batch_scores_each_text_as_alone(fitted):
    texts = ["", "SELECT a FROM b;", "   ", "def f():\n    pass", ""]
    one = np.vstack([fitted.predict_proba([t]) for t in texts])
    assert np.allclose(fitted.predict_proba(texts), one)
