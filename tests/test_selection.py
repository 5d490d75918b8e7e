"""lmtask.data.selection: which rows are evaluated and which are learnt from."""

from __future__ import annotations

import pytest

from lmtask.data import load_data, select_rows
from lmtask.errors import InputError


def test_pool_never_holds_an_evaluated_row(distinct_csv):
    full = load_data(distinct_csv)
    rows, pool = select_rows(full, needs_examples=True, test_size=0.25)
    assert len(rows) == 6 and len(pool) == 18
    assert not set(rows.texts) & set(pool.texts)
    rows, pool = select_rows(full, needs_examples=True, sample=8)
    assert len(rows) == 8 and len(pool) == 16 and not set(rows.texts) & set(pool.texts)
    rows, pool = select_rows(full, needs_examples=False)
    assert pool is None and len(rows) == 24


def test_split_is_saved_and_reused(distinct_csv, tmp_path):
    full = load_data(distinct_csv)
    saved = tmp_path / "split.json"
    rows, pool = select_rows(full, needs_examples=True, seed=3, test_size=0.25,
                             save_split_to=saved)  # fmt: skip
    assert saved.is_file()
    again, pool2 = select_rows(full, needs_examples=True, seed=99, test_size=0.5,
                               split_file=saved)  # fmt: skip
    assert again.texts == rows.texts and pool2.texts == pool.texts  # same rows despite seed
    other = tmp_path / "other.csv"
    other.write_text("text,label\nx,positive\ny,negative\n")
    with pytest.raises(InputError):
        select_rows(load_data(other), needs_examples=True, test_size=0.5, split_file=saved)


def test_bad_test_size_and_unlabelled_data(distinct_csv, tmp_path):
    with pytest.raises(InputError, match="test_size must be between 0 and 1"):
        select_rows(load_data(distinct_csv), needs_examples=True, test_size=1.0)
    bare = tmp_path / "bare.txt"
    bare.write_text("one\ntwo\n")
    with pytest.raises(InputError, match="has no labels"):
        load_data(bare)


def test_a_split_file_is_never_ignored(distinct_csv, tmp_path):
    """Its test rows are evaluated even by methods that need no examples; with --sample or
    --examples it is refused rather than silently dropped."""
    full = load_data(distinct_csv)
    saved = tmp_path / "split.json"
    rows, _ = select_rows(full, needs_examples=True, test_size=0.25, save_split_to=saved)
    only, pool = select_rows(full, needs_examples=False, split_file=saved)
    assert only.texts == rows.texts and pool is None
    with pytest.raises(InputError, match="cannot be combined with --sample"):
        select_rows(full, needs_examples=True, sample=8, split_file=saved)
    with pytest.raises(InputError, match="not both"):
        select_rows(full, needs_examples=True, examples=full, split_file=saved)
