"""Seeded, stratified train/dev/test splits that can be saved and reused.

A saved split is a JSON file of row indices plus a fingerprint (sha256 of the texts and
labels); loading it against data whose fingerprint differs is refused.

>>> from lmtask.data.readers import LabeledData
>>> data = LabeledData(texts=[f"t{i}" for i in range(20)], labels=["a", "b"] * 10, source="x")
>>> s = split(data, dev=0.1, test=0.2, seed=0)
>>> len(s.train), len(s.dev), len(s.test)
(14, 2, 4)
>>> s.test.label_counts()
{'a': 2, 'b': 2}
"""

from __future__ import annotations

import hashlib
import json
import os
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lmtask.atomic import write_atomic
from lmtask.data.readers import LabeledData
from lmtask.errors import InputError

FORMAT = "lmtask-split/1"
PARTS = ("train", "dev", "test")


@dataclass
class Splits:
    """The three parts of a split, the row indices that define them, and notes."""

    train: LabeledData
    dev: LabeledData
    test: LabeledData
    indices: dict[str, list[int]]
    fingerprint: str
    seed: int
    notes: list[str] = field(default_factory=list)

    def sizes(self) -> dict[str, int]:
        return {k: len(v) for k, v in self.indices.items()}


def fingerprint(data: LabeledData) -> str:
    """sha256 of the texts and labels, in order (hex)."""
    h = hashlib.sha256()
    labels = data.labels if data.labels is not None else [None] * len(data.texts)
    for text, label in zip(data.texts, labels, strict=True):
        h.update(json.dumps([text, label], ensure_ascii=False).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


def _pick(
    idx: list[int], labels: list[str] | None, k: int, seed: int, notes: list[str]
) -> tuple[list[int], list[int]]:
    """Choose ``k`` of ``idx``, stratified by label where possible: (chosen, rest), sorted."""
    if k <= 0:
        return [], sorted(idx)
    if k >= len(idx):
        return sorted(idx), []
    strata: list[str] | None = None
    if labels is not None:
        counts = Counter(labels[i] for i in idx)
        rare = sorted(c for c, n in counts.items() if n < 2)
        if rare:
            _note(
                notes,
                f"class(es) {', '.join(map(repr, rare))} have fewer than 2 rows, so they are "
                "split without stratification",
            )
        pooled = "\0rare"
        strata = [pooled if labels[i] in rare else labels[i] for i in idx]
        if strata.count(pooled) == 1:  # a lone rare row travels with the largest class
            strata[strata.index(pooled)] = counts.most_common(1)[0][0]
        n_strata = len(set(strata))
        if k < n_strata or len(idx) - k < n_strata:
            _note(notes, f"too few rows to stratify {n_strata} classes; split at random")
            strata = None
    try:
        from sklearn.model_selection import train_test_split
    except ImportError:
        _note(notes, "scikit-learn is not installed, so the split is not stratified")
        rng = random.Random(seed)
        chosen = set(rng.sample(idx, k))
        return sorted(chosen), sorted(i for i in idx if i not in chosen)
    rest, chosen = train_test_split(idx, test_size=k, random_state=seed, stratify=strata)
    return sorted(int(i) for i in chosen), sorted(int(i) for i in rest)


def _note(notes: list[str], message: str) -> None:
    if message not in notes:
        notes.append(message)


def _check_fraction(name: str, value: float) -> None:
    if not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise InputError(f"{name}={value!r} must be a fraction of the rows, from 0 to below 1")


def _make(
    data: LabeledData, indices: dict[str, list[int]], fp: str, seed: int, notes: list[str]
) -> Splits:
    parts = {k: data.subset(indices[k]) for k in PARTS}
    return Splits(**parts, indices=indices, fingerprint=fp, seed=seed, notes=notes)


def split(data: LabeledData, dev: float = 0.1, test: float = 0.2, seed: int = 0) -> Splits:
    """Split ``data`` into train/dev/test by fractions, stratified by label, reproducibly.

    Row indices in each part are sorted (file order): shuffle when training.
    """
    _check_fraction("dev", dev)
    _check_fraction("test", test)
    if dev + test >= 1:
        raise InputError(f"dev + test = {dev + test:g} leaves no training rows; make it below 1")
    n = len(data)
    n_test, n_dev = round(n * test), round(n * dev)
    if n - n_test - n_dev < 1:
        raise InputError(f"{data.source} has only {n} rows: too few to split; add rows")
    notes: list[str] = []
    test_idx, rest = _pick(list(range(n)), data.labels, n_test, seed, notes)
    dev_idx, train_idx = _pick(rest, data.labels, n_dev, seed, notes)
    indices = {"train": train_idx, "dev": dev_idx, "test": test_idx}
    return _make(data, indices, fingerprint(data), seed, notes)


def stratified_sample(data: LabeledData, n: int, seed: int = 0) -> LabeledData:
    """A fixed ``n``-row sample, stratified by label; all rows (in order) if ``n >= len``."""
    if not isinstance(n, int) or n < 1:
        raise InputError(f"sample size must be a positive whole number, not {n!r}")
    notes: list[str] = []
    chosen, _ = _pick(list(range(len(data))), data.labels, n, seed, notes)
    sample = data.subset(chosen)
    sample.notes = notes
    return sample


def save_split(splits: Splits, path: str | os.PathLike[str], source: str = "") -> Path:
    """Write the split's indices and fingerprint as JSON (atomically)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    doc: dict[str, Any] = {
        "format": FORMAT,
        "source": source or splits.train.source,
        "n_rows": sum(splits.sizes().values()),
        "fingerprint": splits.fingerprint,
        "seed": splits.seed,
        "indices": splits.indices,
    }
    write_atomic(p, json.dumps(doc) + "\n")
    return p


def load_split(path: str | os.PathLike[str], data: LabeledData) -> Splits:
    """Re-create a saved split on ``data``; refuse if ``data`` is not the data it was made on."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"split file not found: {p}; make one with save_split (or check the path)")
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
        indices = {k: [int(i) for i in doc["indices"][k]] for k in PARTS}
        fp, n_rows = str(doc["fingerprint"]), int(doc["n_rows"])
    except (ValueError, KeyError, TypeError) as e:
        raise InputError(f"{p} is not an lmtask split file ({e}); make a new split") from e
    actual = fingerprint(data)
    if actual != fp:
        raise InputError(
            f"split {p} was made on different data ({n_rows} rows, fingerprint {fp[:12]}) than "
            f"{data.source} ({len(data)} rows, fingerprint {actual[:12]}): the texts or labels "
            "changed. Use the original data, or make (and save) a new split"
        )
    return _make(data, indices, fp, int(doc.get("seed", 0)), [])
