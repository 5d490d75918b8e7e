"""Stratified, seeded splits; saving and reloading them; stratified samples."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from lmtask.data import (
    LabeledData,
    fingerprint,
    load_split,
    save_split,
    split,
    stratified_sample,
)
from lmtask.errors import InputError


def make(n_a: int = 60, n_b: int = 30, n_c: int = 10) -> LabeledData:
    labels = ["a"] * n_a + ["b"] * n_b + ["c"] * n_c
    return LabeledData(texts=[f"text {i}" for i in range(len(labels))], labels=labels, source="m")


def test_sizes_and_stratification() -> None:
    s = split(make(), dev=0.1, test=0.2, seed=0)
    assert s.sizes() == {"train": 70, "dev": 10, "test": 20}
    assert Counter(s.test.labels) == {"a": 12, "b": 6, "c": 2}
    assert Counter(s.dev.labels) == {"a": 6, "b": 3, "c": 1}
    assert Counter(s.train.labels) == {"a": 42, "b": 21, "c": 7}
    assert s.notes == []


def test_parts_are_disjoint_and_cover_everything() -> None:
    data = make()
    s = split(data, seed=3)
    parts = [set(s.indices[k]) for k in ("train", "dev", "test")]
    assert sum(map(len, parts)) == len(data) == len(set().union(*parts))
    for k in ("train", "dev", "test"):
        part = getattr(s, k)
        assert part.texts == [data.texts[i] for i in s.indices[k]]
        assert s.indices[k] == sorted(s.indices[k])


def test_deterministic_by_seed() -> None:
    data = make()
    assert split(data, seed=1).indices == split(data, seed=1).indices
    assert split(data, seed=1).indices != split(data, seed=2).indices


def test_rare_classes_fall_back_and_say_so() -> None:
    data = make(20, 10, 1)
    s = split(data, seed=0)
    assert any("'c'" in n and "without stratification" in n for n in s.notes)
    assert sum(s.sizes().values()) == 31


def test_unlabelled_and_zero_dev() -> None:
    data = LabeledData(texts=[str(i) for i in range(10)], labels=None, source="u")
    s = split(data, dev=0.0, test=0.3, seed=0)
    assert s.sizes() == {"train": 7, "dev": 0, "test": 3}
    assert s.dev.texts == [] and s.dev.labels is None


def test_tiny_data_splits_at_random() -> None:
    data = LabeledData(texts=list("abcdef"), labels=list("xyzxyz"), source="t")
    s = split(data, dev=0.0, test=0.34, seed=0)
    assert s.sizes()["test"] == 2
    assert any("too few rows to stratify" in n for n in s.notes)


@pytest.mark.parametrize(
    ("dev", "test", "message"),
    [(0.5, 0.5, "leaves no training rows"), (-0.1, 0.2, "dev=-0.1"), (0.1, 1.5, "test=1.5")],
)
def test_bad_fractions(dev: float, test: float, message: str) -> None:
    with pytest.raises(InputError, match=message):
        split(make(), dev=dev, test=test)


def test_too_few_rows() -> None:
    with pytest.raises(InputError, match="too few to split"):
        split(LabeledData(texts=["a", "b"], labels=None, source="two"), dev=0.4, test=0.4)


def test_save_load_roundtrip(tmp_path: Path) -> None:
    data = make()
    s = split(data, seed=7)
    path = save_split(s, tmp_path / "split.json")
    doc = json.loads(path.read_text())
    assert doc["fingerprint"] == fingerprint(data) and doc["n_rows"] == 100
    again = load_split(path, data)
    assert again.indices == s.indices and again.seed == 7
    assert again.test.texts == s.test.texts and again.train.labels == s.train.labels


def test_load_refuses_changed_data(tmp_path: Path) -> None:
    data = make()
    path = save_split(split(data), tmp_path / "split.json")
    changed = make()
    changed.labels[5] = "b"  # one relabelled row is enough
    with pytest.raises(InputError, match=r"made on different data .*texts or labels changed"):
        load_split(path, changed)
    with pytest.raises(InputError, match="split file not found"):
        load_split(tmp_path / "missing.json", data)
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(InputError, match="is not an lmtask split file"):
        load_split(tmp_path / "bad.json", data)


def test_fingerprint_separates_text_and_label() -> None:
    a = LabeledData(texts=["ab"], labels=["c"], source="x")
    b = LabeledData(texts=["a"], labels=["bc"], source="x")
    assert fingerprint(a) != fingerprint(b)


def test_stratified_sample() -> None:
    data = make()
    sample = stratified_sample(data, 10, seed=0)
    assert len(sample) == 10
    assert Counter(sample.labels) == {"a": 6, "b": 3, "c": 1}
    assert sample.texts == stratified_sample(data, 10, seed=0).texts
    assert sample.texts != stratified_sample(data, 10, seed=1).texts
    assert len(stratified_sample(data, 500)) == 100
    with pytest.raises(InputError, match="positive whole number"):
        stratified_sample(data, 0)
