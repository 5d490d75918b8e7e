"""Read, split and load labelled text data.

>>> from lmtask.data import LabeledData, split
>>> data = LabeledData(texts=["a", "b", "c", "d"] * 5, labels=["x", "y"] * 10, source="demo")
>>> parts = split(data, dev=0.2, test=0.2, seed=0)
>>> parts.sizes()
{'train': 12, 'dev': 4, 'test': 4}
"""

from __future__ import annotations

from lmtask.data.decoding import read_text
from lmtask.data.packaged import (
    DATASETS,
    DatasetInfo,
    ensure_dataset,
    export_dataset,
    fetch_fine_foods,
    find_modeldata,
    list_datasets,
    load_dataset,
    modeldata_home,
)
from lmtask.data.readers import (
    LabeledData,
    check_labels,
    majority_label,
    read_lines,
    read_table,
    write_jsonl,
)
from lmtask.data.selection import labels_for, load_data, select_rows
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
    "ensure_dataset",
    "export_dataset",
    "fetch_fine_foods",
    "find_modeldata",
    "fingerprint",
    "labels_for",
    "list_datasets",
    "load_data",
    "load_dataset",
    "load_split",
    "majority_label",
    "modeldata_home",
    "read_lines",
    "read_table",
    "read_text",
    "save_split",
    "select_rows",
    "split",
    "stratified_sample",
    "write_jsonl",
]
