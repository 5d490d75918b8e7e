"""The local engine: this process, shard after shard, one classifier built once.

Each unfinished shard is read whole, predicted ``batch_size`` rows at a time, written to
``OUT/_staging`` and moved into ``OUT`` (an atomic rename), then recorded in the manifest.
A kill at any moment loses at most the shard in progress, which the next run redoes.

>>> # run = open_run("preds", scan_inputs("data/"), describe(spec, clf))
>>> # run_local(run, clf, batch_size=64, progress=True)
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from lmtask.batch.io import pa_modules, read_shard
from lmtask.batch.manifest import Run, part_name
from lmtask.batch.rows import predict_table
from lmtask.progress import progress_bar


def _write(table: Any, path: os.PathLike[str] | str) -> None:
    _, _, _, pq = pa_modules()
    pq.write_table(table, path)
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def run_local(
    run: Run,
    clf: Any,
    *,
    batch_size: int = 64,
    progress: bool = False,
    on_shard: Callable[[dict[str, Any]], None] | None = None,
) -> int:
    """Predict every unfinished shard of ``run`` with ``clf``; returns the shards done.

    ``on_shard`` is called with each shard's manifest entry once it is recorded.
    """
    pa = pa_modules()[0]
    pending = run.pending()
    labels = run.labels
    text_column = run.inputs.text_column
    done = 0
    with progress_bar(sum(s.rows for s in pending), "classifying", enabled=progress) as advance:
        for shard in pending:
            t0 = time.perf_counter()
            table = read_shard(shard, run.inputs.schema)
            parts = []
            for start, size in chunks(table.num_rows, batch_size, _tail_min(clf)):
                chunk = table.slice(start, size)
                parts.append(predict_table(clf, chunk, text_column, labels))
                advance(chunk.num_rows)
            files = []
            if parts:
                run.staging.mkdir(parents=True, exist_ok=True)
                name = part_name(shard.index, 0)
                _write(pa.concat_tables(parts), run.staging / name)
                os.replace(run.staging / name, run.out / name)
                files.append(run.out / name)
            entry = run.record(shard, files, time.perf_counter() - t0)
            done += 1
            if on_shard is not None:
                on_shard(entry)
    return done


__all__ = ["run_local"]


def _tail_min(clf: Any) -> int:
    """The smallest last chunk worth its own call: batch calibration needs BATCH_MIN texts."""
    if not getattr(clf, "answers_depend_on_batch", False):
        return 1
    from lmtask.engine.calibration import BATCH_MIN

    return BATCH_MIN


def chunks(rows: int, size: int, tail_min: int = 1) -> list[tuple[int, int]]:
    """(start, length) of ``size``-row chunks; a last chunk under ``tail_min`` rows joins the
    one before it.

    >>> chunks(40, 16, tail_min=16)
    [(0, 16), (16, 24)]
    >>> chunks(40, 16)
    [(0, 16), (16, 16), (32, 8)]
    """
    out = [(s, min(size, rows - s)) for s in range(0, rows, size)]
    if len(out) > 1 and out[-1][1] < tail_min:
        (s, n), (_, last) = out[-2], out.pop()
        out[-1] = (s, n + last)
    return out
