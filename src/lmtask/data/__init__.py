"""Read, split and load labelled text data.

>>> from lmtask.data import LabeledData, split
>>> data = LabeledData(texts=["a", "b", "c", "d"] * 5, labels=["x", "y"] * 10, source="demo")
>>> parts = split(data, dev=0.2, test=0.2, seed=0)
>>> parts.sizes()
{'train': 12, 'dev': 4, 'test': 4}
"""

from __future__ import annotations

from lmtask.data.packaged import (
    DATASETS,
    DatasetInfo,
    export_dataset,
    fetch_fine_foods,
    find_modeldata,
    list_datasets,
    load_dataset,
    modeldata_home,
)
from lmtask.data.readers import LabeledData, check_labels, read_lines, read_table, write_jsonl
from lmtask.data.splits import (
    Splits,
    fingerprint,
    load_split,
    save_split,
    split,
    stratified_sample,
)

__all__ = [
    "DATASETS",
    "DatasetInfo",
    "LabeledData",
    "Splits",
    "check_labels",
    "export_dataset",
    "fetch_fine_foods",
    "find_modeldata",
    "fingerprint",
    "list_datasets",
    "load_dataset",
    "load_split",
    "modeldata_home",
    "read_lines",
    "read_table",
    "save_split",
    "split",
    "stratified_sample",
    "write_jsonl",
]
