"""Batch inference over files, locally or on Ray Data, resumable (``lmtask batch``).

:func:`run_batch` reads a file, a folder of shards or a glob (CSV, JSONL, Parquet), classifies
every row with a :class:`~lmtask.ladder.ClassifierSpec` and writes Parquet shards (every input
column, plus ``label``, ``p_<label>`` per label and ``error``) and ``_manifest.json`` into
the output folder; started again on the same folder it skips the finished shards.
:func:`predict_dataset` adds the same columns to a ``ray.data.Dataset`` of your own.

>>> from lmtask.batch import run_batch
>>> from lmtask.ladder import ClassifierSpec
>>> res = run_batch("data/", "preds/", ClassifierSpec(task="code-language"))  # doctest: +SKIP
>>> res = run_batch("data/", "preds/", ClassifierSpec(artifact="runs/best"),   # doctest: +SKIP
...                 engine="ray", concurrency=4, num_gpus=1)
"""

from __future__ import annotations

from typing import Any

from lmtask.batch.manifest import MANIFEST, BatchError
from lmtask.batch.rows import predict_table, prob_column
from lmtask.batch.runner import ENGINES, BatchResult, run_batch


def predict_dataset(ds: Any, spec: Any, **options: Any) -> Any:
    """``ds`` (a ``ray.data.Dataset``) with ``label``, ``p_<label>`` and ``error`` added by
    actors that each build ``spec`` once; ``options`` as
    :func:`lmtask.batch.ray_engine.predict_dataset` (``text_column``, ``batch_size``,
    ``concurrency``, ``num_gpus``, ...). Imported here lazily: Ray loads only when used."""
    from lmtask.batch.ray_engine import predict_dataset as _predict_dataset

    return _predict_dataset(ds, spec, **options)


__all__ = [
    "ENGINES",
    "MANIFEST",
    "BatchError",
    "BatchResult",
    "predict_dataset",
    "predict_table",
    "prob_column",
    "run_batch",
]
