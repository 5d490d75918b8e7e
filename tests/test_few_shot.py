"""Few-shot prompts: assembly, caching per example set, fit, errors."""

from __future__ import annotations

import numpy as np
import pytest

import lmtask
from lmtask.engine.prompting import SENTINEL, build_prompt
from lmtask.errors import InputError
from lmtask.methods import get_method

EX = [("Great film!", "positive"), ("Dreadful.", "negative"), ("So cross!", "angry")]


@pytest.mark.parametrize("chat", [True, False])
def test_examples_in_order_before_the_text(tiny_factory, chat):
    lm = tiny_factory(chat=chat)
    task = lmtask.get_task("sentiment")
    parts = build_prompt(task, lm, EX)
    full = parts.render("MY TEXT")
    pos = [full.index(t) for t, _ in EX] + [full.index("MY TEXT")]
    assert pos == sorted(pos)
    for t, y in EX:  # each example is followed by its own label as the answer
        after = full[full.index(t) :]
        assert after.index(y) < after.index("MY TEXT")
    assert SENTINEL not in full
    zero = build_prompt(task, lm).render("MY TEXT")
    assert full.endswith(zero[zero.index("MY TEXT") :])  # same tail as zero-shot


def test_fewshot_scores_like_a_scorer_with_those_examples(tiny_factory):
    lm = tiny_factory()
    clf = lmtask.FewShot(task="sentiment", model=lm, shots=3, examples=EX, calibrate=False)
    p = clf.predict_proba(["I love it", "I hate it"])
    np.testing.assert_allclose(p.sum(1), 1.0)
    ex = clf.examples_for(["x"])[0]
    direct = np.exp(clf.scorer(ex).log_probs(["I love it", "I hate it"]))
    np.testing.assert_allclose(p, direct)
    zero = lmtask.ZeroShot(task="sentiment", model=lm).predict_proba(["I love it"])
    assert not np.allclose(p[0], zero[0]), "examples must change the prompt"


def test_fit_sets_the_pool_and_unknown_labels_are_refused(tiny_factory):
    lm = tiny_factory()
    clf = get_method("few-shot")(task="sentiment", model=lm, shots=2, select="random")
    with pytest.raises(InputError, match="needs examples"):
        clf.predict(["x"])
    clf.fit(["a", "b", "c"], ["positive", "negative", "positive"])
    assert len(clf.predict(["x"])) == 1
    with pytest.raises(InputError, match="not labels of the task"):
        clf.fit(["a"], ["neutral"])


def test_nearest_groups_texts_that_share_examples(tiny_factory, monkeypatch):
    from tests.helpers import FakeEmbedder

    lm = tiny_factory()
    clf = lmtask.FewShot(task="sentiment", model=lm, shots=2, select="nearest")
    pool = [f"v {i}" for i in range(6)]
    clf.fit(pool, ["positive", "negative", "angry"] * 2)
    clf.selector._embedder = FakeEmbedder()
    preds = clf.predict(["v 0.1", "v 0.2", "v 5.1"])
    assert len(preds) == 3
    assert len(clf._scorers) == 2  # the first two texts share their examples, hence a scorer


def test_generate_mode_with_examples(tiny_factory):
    clf = lmtask.FewShot(
        task="sentiment", model=tiny_factory(), shots=2, examples=EX, mode="generate",
        max_new_tokens=2,
    )  # fmt: skip
    preds = clf.predict(["I love it"])
    assert preds[0].raw is not None


def test_nearest_embeds_a_bounded_stratified_pool(tiny_factory):
    from collections import Counter

    lm = tiny_factory()
    texts = [f"v {i}" for i in range(30)]
    labels = ["positive"] * 20 + ["negative"] * 7 + ["angry"] * 3
    clf = lmtask.FewShot(task="sentiment", model=lm, shots=2, select="nearest", pool_size=10)
    clf.fit(texts, labels)
    kept = Counter(clf.selector.labels)
    assert len(clf.selector.texts) == 10 and set(clf.selector.texts) <= set(texts)
    assert kept["positive"] > kept["negative"] > 0 and kept["angry"] >= 1  # stratified
    assert clf.describe()["pool"] == {"rows": 30, "embedded": 10, "pool_size": 10}
    assert lmtask.methods.FewShotConfig().pool_size == 2000  # bounded by default
    whole = lmtask.FewShot(task="sentiment", model=lm, shots=2, select="nearest", pool_size=None)
    assert len(whole.fit(texts, labels).selector.texts) == 30
    balanced = lmtask.FewShot(task="sentiment", model=lm, shots=2, pool_size=10)
    assert len(balanced.fit(texts, labels).selector.texts) == 30  # nothing to embed: all kept


def test_nearest_embeds_the_pool_before_the_classifying_bar(tiny_factory, monkeypatch):
    """The pool is embedded (with its own bar) before classifying starts, so the classifying
    bar's texts/s counts classifying only; a second predict embeds nothing again."""
    import lmtask.methods.prompt.base as prompt_base
    from tests.helpers import FakeEmbedder

    events = []

    class PoolEmbedder(FakeEmbedder):
        def encode_pool(self, texts, progress=False):
            events.append(("pool", len(texts), progress))
            return self.encode(texts)

    real_bar = prompt_base.progress_bar

    def bar(total, what, enabled=True):
        events.append(("bar", what))
        return real_bar(total, what, enabled=False)

    monkeypatch.setattr(prompt_base, "progress_bar", bar)
    clf = lmtask.FewShot(task="sentiment", model=tiny_factory(), shots=2, select="nearest")
    clf.fit([f"v {i}" for i in range(6)], ["positive", "negative", "angry"] * 2)
    clf.selector._embedder = PoolEmbedder()
    clf.predict(["v 0.1", "v 5.1"], progress=True)
    clf.predict(["v 2.1"], progress=True)
    assert events == [("pool", 6, True), ("bar", "classifying"), ("bar", "classifying")]
