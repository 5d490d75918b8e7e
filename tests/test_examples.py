"""Example selection for few-shot prompts."""

from __future__ import annotations

from collections import Counter

import pytest

from lmtask.engine.examples import ExampleSelector
from lmtask.errors import InputError

TEXTS = [f"text {i}" for i in range(30)]
LABELS = ["a"] * 20 + ["b"] * 7 + ["c"] * 3


from tests.helpers import FakeEmbedder  # noqa: E402


def test_balanced_spreads_labels_round_robin():
    ex = ExampleSelector(TEXTS, LABELS, k=6, select="balanced").fixed()
    counts = Counter(y for _, y in ex)
    assert counts == {"a": 2, "b": 2, "c": 2}
    labels = [y for _, y in ex]
    assert len(set(labels[:3])) == 3  # interleaved round-robin, not bunched by label


def test_random_is_seeded_and_from_pool():
    a = ExampleSelector(TEXTS, LABELS, k=5, select="random", seed=1).fixed()
    b = ExampleSelector(TEXTS, LABELS, k=5, select="random", seed=1).fixed()
    c = ExampleSelector(TEXTS, LABELS, k=5, select="random", seed=2).fixed()
    assert a == b and a != c
    assert all((t, y) in zip(TEXTS, LABELS, strict=True) for t, y in a)
    assert len({t for t, _ in a}) == 5


def test_shuffle_order_keeps_the_same_examples():
    fixed = ExampleSelector(TEXTS, LABELS, k=6, select="balanced", seed=3).fixed()
    shuf = ExampleSelector(TEXTS, LABELS, k=6, select="balanced", order="shuffle", seed=3).fixed()
    assert sorted(fixed) == sorted(shuf)


def test_nearest_picks_most_similar_last_and_never_the_text_itself():
    pool = [f"v {i}" for i in range(10)]
    sel = ExampleSelector(pool, ["a", "b"] * 5, k=3, select="nearest", embedder=FakeEmbedder())
    ex = sel.for_texts(["v 4", "v 9.2"])
    first = [t for t, _ in ex[0]]
    assert "v 4" not in first  # the text's own row (and label) never leaks into its prompt
    assert set(first) == {"v 3", "v 5", "v 2"} or set(first) == {"v 3", "v 5", "v 6"}
    assert [t for t, _ in ex[1]] == ["v 7", "v 8", "v 9"]  # most similar last


def test_nearest_shuffled_examples_do_not_depend_on_the_batch():
    """A text's example order is the same alone or anywhere in a batch (a server batches)."""
    pool = [f"v {i}" for i in range(10)]
    sel = ExampleSelector(pool, ["a", "b"] * 5, k=5, select="nearest", order="shuffle",
                          embedder=FakeEmbedder())  # fmt: skip
    alone = sel.for_texts(["v 4.4"])[0]
    batched = sel.for_texts(["v 1.1", "v 7", "v 4.4", "v 2"])
    assert batched[2] == alone
    assert len({tuple(sel.for_texts([f"v {x}.4"])[0]) for x in range(3, 7)}) > 1  # still shuffled


@pytest.mark.parametrize(
    "kw, message",
    [
        (dict(k=99), "only 30 examples"),
        (dict(k=2, select="psychic"), "unknown example selection"),
        (dict(k=2, order="backwards"), "unknown example order"),
        (dict(k=-1), ">= 0"),
    ],
)
def test_bad_options(kw, message):
    with pytest.raises(InputError, match=message):
        ExampleSelector(TEXTS, LABELS, **kw)


@pytest.mark.slow
def test_real_embedder_finds_the_paraphrase():
    from lmtask.models.embeddings import Embedder

    pool = ["The cat sat on the mat.", "Stock markets fell sharply today.", "I adore this film."]
    sel = ExampleSelector(pool, ["x", "y", "z"], k=1, select="nearest", embedder=Embedder())
    assert sel.for_texts(["Shares dropped steeply on the exchange."])[0] == (
        ("Stock markets fell sharply today.", "y"),
    )
