"""``run_batch``: one call for a whole batch run, on the local engine or on Ray Data.

>>> from lmtask.ladder import ClassifierSpec
>>> res = run_batch("snippets/", "preds/", ClassifierSpec(task="code-language"))  # doctest: +SKIP
>>> res.rows_in == res.rows_out                                                  # doctest: +SKIP
True
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lmtask.batch.classifier import describe, portable
from lmtask.batch.io import scan_inputs
from lmtask.batch.manifest import MANIFEST, Run, open_run
from lmtask.batch.rows import check_columns
from lmtask.errors import InputError

ENGINES = ("local", "ray")


@dataclass(frozen=True)
class BatchResult:
    """What a run did: ``manifest`` is the final ``_manifest.json`` content."""

    out: Path
    engine: str
    manifest: dict[str, Any]
    shards_done: int  # in this run
    shards_skipped: int  # finished by an earlier run
    rows_done: int  # rows predicted in this run
    seconds: float  # this run, from start (scan, classifier build) to end

    @property
    def rows_in(self) -> int:
        return int(self.manifest["rows_in"])

    @property
    def rows_out(self) -> int:
        return int(self.manifest["rows_out"])

    @property
    def rows_error(self) -> int:
        return int(self.manifest["rows_error"])

    @property
    def manifest_path(self) -> Path:
        return self.out / MANIFEST


def _check_batch_calibration(classifier: dict[str, Any], batch_size: int) -> None:
    """Batch and words calibration estimate their bias over each chunk of ``batch_size``
    rows: a chunk under ``BATCH_MIN`` would quietly fall back to contextual calibration."""
    from lmtask.engine.calibration import BATCH_MIN

    if classifier.get("answers_depend_on_batch") and batch_size < BATCH_MIN:
        raise InputError(
            f"this classifier calibrates over each chunk of --batch-size rows "
            f"(calibration=batch or words): use --batch-size {BATCH_MIN} or more, not "
            f"{batch_size}"
        )


def _check(
    engine: str,
    batch_size: int,
    concurrency: int | None,
    num_gpus: float,
    ray_address: str | None,
    wave: int | None,
) -> None:
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}; use local or ray")
    if batch_size < 1:
        raise InputError(f"batch_size must be at least 1, not {batch_size}")
    if concurrency is not None and concurrency < 1:
        raise InputError(f"concurrency must be at least 1, not {concurrency}")
    if num_gpus < 0:
        raise InputError(f"num_gpus must be 0 or more, not {num_gpus}")
    if engine == "local":
        given = [
            name
            for name, v in (
                ("ray_address", ray_address),
                ("concurrency", concurrency),
                ("num_gpus", num_gpus or None),
                ("wave", wave),
            )
            if v is not None
        ]
        if given:
            verb = "are" if len(given) > 1 else "is"
            raise InputError(f"{', '.join(given)} {verb} for the ray engine only")


def run_batch(
    input: str,
    out: str | Path,
    spec: Any,
    *,
    engine: str = "local",
    text_column: str | None = None,
    batch_size: int = 64,
    concurrency: int | None = None,
    num_gpus: float = 0.0,
    ray_address: str | None = None,
    wave: int | None = None,
    progress: bool = False,
    on_shard: Callable[[dict[str, Any]], None] | None = None,
) -> BatchResult:
    """Classify every row of ``input`` (a file, a folder of shards or a glob of CSV, JSONL
    or Parquet files) with ``spec`` (a :class:`~lmtask.ladder.ClassifierSpec`) into Parquet
    shards in ``out``, resuming the run already there. Rows in must equal rows out.

    ``engine="ray"`` runs on Ray Data: a new local cluster, or the one at ``ray_address``;
    ``concurrency`` actors (default 1), each with ``num_gpus``; ``wave`` input shards per Ray
    Dataset (default 4 per actor; finished shards are recorded after each wave).

    A batch-calibrated classifier (``calibration=batch``) estimates its bias over each chunk
    of ``batch_size`` rows: the local engine joins a short last chunk of a shard to the one
    before; on Ray the last batch of a block may be smaller, and one under 16 rows is
    calibrated contextually (with a CalibrationWarning in the worker's log).
    """
    _check(engine, batch_size, concurrency, num_gpus, ray_address, wave)
    t0 = time.perf_counter()
    inputs = scan_inputs(input, text_column)
    spec = portable(spec)

    def start(classifier: dict[str, Any]) -> tuple[Run, int]:
        check_columns(list(inputs.schema.names), classifier["labels"])
        _check_batch_calibration(classifier, batch_size)
        run = open_run(out, inputs, classifier)
        return run, len(inputs.shards) - len(run.pending())

    def rows_pending(run: Run) -> int:
        return sum(s.rows for s in run.pending())

    if engine == "local":
        from lmtask.batch.local import run_local

        clf = spec.build()
        run, skipped = start(describe(spec, clf))
        rows = rows_pending(run)
        done = run_local(run, clf, batch_size=batch_size, progress=progress, on_shard=on_shard)
    else:
        from lmtask.batch import ray_engine

        with ray_engine.connected(ray_address) as ray:
            classifier, spec = ray_engine.describe_remote(ray, spec, num_gpus)
            run, skipped = start(classifier)
            rows = rows_pending(run)
            done = ray_engine.run_ray(
                ray,
                run,
                spec,
                batch_size=batch_size,
                concurrency=concurrency or 1,
                num_gpus=num_gpus,
                wave=wave,
                on_shard=on_shard,
            )
    seconds = time.perf_counter() - t0
    manifest = run.finish(engine, seconds)
    return BatchResult(Path(out), engine, manifest, done, skipped, rows, seconds)


__all__ = ["ENGINES", "BatchResult", "run_batch"]
