"""Choosing in-context examples for few-shot prompts.

``random``: K examples drawn by seed. ``balanced``: K examples spread evenly over the labels
(round-robin, so no label is bunched at the end). ``nearest``: for each text, the K pool
examples most similar to it (all-MiniLM-L6-v2 cosine), most similar last, next to the text.
A pool example identical to the text is never shown (no leakage of its own label), in any
selection mode. ``clip`` shortens example texts as shown (long documents).
``order="shuffle"`` shuffles each example list by seed. The pool's embeddings are computed
once (:meth:`ExampleSelector.embed_pool`) and cached on disk, keyed by the pool's texts.

>>> sel = ExampleSelector(["a", "b", "c", "d"], ["x", "y", "x", "y"], k=2, select="balanced")
>>> sorted(label for _, label in sel.fixed())
['x', 'y']
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from lmtask.errors import InputError

SELECTIONS = ("random", "balanced", "nearest")
ORDERS = ("fixed", "shuffle")
Examples = tuple[tuple[str, str], ...]


class ExampleSelector:
    """Picks K (text, label) examples from a pool; see the module docstring."""

    def __init__(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        k: int,
        select: str = "balanced",
        order: str = "fixed",
        seed: int = 0,
        embedder: Any = None,
        clip: Any = None,
    ) -> None:
        if select not in SELECTIONS:
            raise InputError(f"unknown example selection {select!r}; use one of {SELECTIONS}")
        if order not in ORDERS:
            raise InputError(f"unknown example order {order!r}; use one of {ORDERS}")
        if len(texts) != len(labels):
            raise InputError(f"{len(texts)} example texts but {len(labels)} labels")
        if k < 0:
            raise InputError(f"the number of shots must be >= 0, not {k}")
        if k > len(texts):
            raise InputError(f"{k} shots asked for but only {len(texts)} examples given")
        self.texts, self.labels = list(texts), list(labels)
        self.k, self.select, self.order, self.seed = k, select, order, seed
        self._embedder = embedder
        self._clip = clip or (lambda t: t)
        self._pool_vecs: np.ndarray | None = None

    def _finish(self, idx: list[int], salt: int = 0) -> Examples:
        ex = [(self._clip(self.texts[i]), self.labels[i]) for i in idx]
        if self.order == "shuffle":
            random.Random(self.seed * 1_000_003 + salt).shuffle(ex)
        return tuple(ex)

    def fixed(self, exclude: str | None = None) -> Examples:
        """The example list of ``random`` and ``balanced`` selection (never ``exclude``)."""
        return self._finish(self._fixed_idx(exclude))

    def _fixed_idx(self, exclude: str | None = None) -> list[int]:
        rng = random.Random(self.seed)
        idx = [i for i in range(len(self.texts)) if self.texts[i] != exclude]
        if self.k > len(idx):
            raise InputError(f"{self.k} shots asked for but only {len(idx)} other examples")
        if self.select == "random" or self.k == 0:
            return rng.sample(idx, self.k)
        by_label: dict[str, list[int]] = {}
        for i in idx:
            by_label.setdefault(self.labels[i], []).append(i)
        for lst in by_label.values():
            rng.shuffle(lst)
        order = sorted(by_label)
        rng.shuffle(order)
        chosen: list[int] = []
        while len(chosen) < self.k:
            for lb in order:
                if by_label[lb] and len(chosen) < self.k:
                    chosen.append(by_label[lb].pop())
        return chosen

    def embed_pool(self, progress: bool = False) -> np.ndarray:
        """The pool's embeddings (``nearest``), computed once: read from the disk cache when
        the same pool was embedded before, else with a progress bar when ``progress``."""
        if self._embedder is None:
            from lmtask.models.embeddings import Embedder

            self._embedder = Embedder()
        if self._pool_vecs is None:
            encode_pool = getattr(self._embedder, "encode_pool", None)
            self._pool_vecs = (
                encode_pool(self.texts, progress=progress)
                if encode_pool is not None
                else self._embedder.encode(self.texts)
            )
        return self._pool_vecs

    def for_texts(self, texts: Sequence[str]) -> list[Examples]:
        """The example list of each text."""
        if self.select != "nearest" or self.k == 0:
            idx = self._fixed_idx()
            ex = self._finish(idx)
            shown = {self.texts[i] for i in idx}  # a text that is itself an example gets others
            return [self.fixed(exclude=t) if t in shown else ex for t in texts]
        pool = self.embed_pool()
        q = self._embedder.encode(list(texts))
        sims = q @ pool.T
        out = []
        for r, t in enumerate(texts):
            best = [int(i) for i in np.argsort(-sims[r], kind="stable") if self.texts[i] != t]
            chosen = best[: self.k][::-1]  # most similar last, right before the text
            # salted by the text, not its position: a text gets the same order in any batch
            out.append(self._finish(chosen, salt=zlib.crc32(t.encode("utf-8", "replace"))))
        return out
