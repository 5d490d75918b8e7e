"""The Ray Data engine: ``read_*`` -> ``map_batches`` on an actor pool -> ``write_parquet``.

Each actor builds the classifier once, from a picklable :class:`~lmtask.ladder.ClassifierSpec`
(through the library's factory), then predicts batch after batch with the same code as the
local engine (:func:`lmtask.batch.rows.predict_table`), so both give the same rows.

Unfinished shards run in *waves* (``wave`` shards per Ray Dataset, by default 4 per actor):
a wave's output is written partitioned by shard into ``OUT/_staging``, then each shard's
files are moved into ``OUT`` and recorded in the manifest. A killed actor is restarted by
Ray and its batch retried; a killed driver loses at most the wave in progress.

Row order: the local engine keeps the input's order; the Ray engine keeps each row in its
shard's output files, but not always in the same place within them (Ray's partitioned Parquet
writer groups rows with several threads). Keep an id column to join on.

Users with their own pipeline call :func:`predict_dataset`:

>>> import ray                                                     # doctest: +SKIP
>>> from lmtask.ladder import ClassifierSpec                       # doctest: +SKIP
>>> ds = ray.data.read_parquet("s3://bucket/texts/")               # doctest: +SKIP
>>> out = predict_dataset(ds, ClassifierSpec(task="code-language"), concurrency=4)  # doctest: +SKIP
>>> out.write_parquet("s3://bucket/preds/")                        # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import socket
import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any

from lmtask.batch.classifier import describe, portable
from lmtask.batch.io import Shard, conform, reader_options
from lmtask.batch.manifest import BatchError, Run, part_name
from lmtask.batch.rows import predict_table
from lmtask.errors import InputError, LmtaskError

SHARD_COLUMN = "_lmtask_shard"


def import_ray() -> Any:
    os.environ.setdefault("RAY_ENABLE_UV_RUN_RUNTIME_ENV", "0")
    try:
        import ray
        import ray.data
    except ImportError:
        raise InputError(
            "the ray engine needs Ray Data: pip install 'lmtask[ray]' (or use --engine local)"
        ) from None
    return ray


class _Predictor:
    """A Ray actor's callable: builds the classifier once, then predicts pyarrow batches."""

    def __init__(self, spec: Any, text_column: str, labels: list[str] | None = None) -> None:
        self.clf = spec.build()
        self.text_column = text_column
        self.labels = labels if labels is not None else list(self.clf.labels)

    def __call__(self, batch: Any) -> Any:
        return predict_table(self.clf, batch, self.text_column, self.labels)


class _Tag:
    """Conform batches to the run's schema and add each row's shard index: ``index`` for
    every row, or looked up from the ``path`` column (``include_paths``), which is dropped."""

    def __init__(self, schema: Any, index: int | None = None, paths: dict | None = None) -> None:
        self.schema, self.index, self.paths = schema, index, paths

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        if self.paths is not None:
            where = [self.paths[os.path.normpath(p)] for p in batch.column("path").to_pylist()]
            batch = batch.drop_columns(["path"])
        else:
            where = [self.index] * batch.num_rows
        batch = conform(batch, self.schema)
        return batch.append_column(SHARD_COLUMN, pa.array(where, pa.int64()))


def predict_dataset(
    ds: Any,
    spec: Any,
    *,
    text_column: str = "text",
    batch_size: int = 64,
    concurrency: int = 1,
    num_gpus: float = 0.0,
    num_cpus: float = 1.0,
    labels: list[str] | None = None,
) -> Any:
    """``ds`` (a ``ray.data.Dataset``) with ``label``, ``p_<label>`` and ``error`` columns
    added, predicted by ``concurrency`` actors that each build ``spec`` once.

    ``num_gpus`` and ``num_cpus`` are what each actor reserves. Lazy, like any Ray
    Dataset: nothing runs until the result is consumed (``write_parquet``, ``take``, ...).
    """
    ray = import_ray()
    if concurrency < 1 or batch_size < 1:
        raise InputError("concurrency and batch_size must be at least 1")
    extra = {"num_gpus": num_gpus} if num_gpus else {}
    return ds.map_batches(
        _Predictor,
        fn_constructor_kwargs={
            "spec": portable(spec),
            "text_column": text_column,
            "labels": labels,
        },
        compute=ray.data.ActorPoolStrategy(size=concurrency),
        batch_size=batch_size,
        batch_format="pyarrow",
        num_cpus=num_cpus,
        **extra,
    )


def _probe(address: str) -> None:
    """Fail fast, in one line, when nothing listens at ``host:port``."""
    target = address.split("://", 1)[-1].rstrip("/")
    host, sep, port = target.rpartition(":")
    if not sep or not port.isdigit():
        raise InputError(f"--ray-address {address!r} is not HOST:PORT (or ray://HOST:PORT, auto)")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=5).close()
    except OSError as e:
        raise BatchError(
            f"cannot reach a Ray cluster at {address}: {e.strerror or e} "
            "(start one with `ray start --head`, or leave out --ray-address for a local one)"
        ) from None


@contextlib.contextmanager
def connected(address: str | None) -> Iterator[Any]:
    """Ray, initialised: the running one, the cluster at ``address``, or a new local one
    (shut down afterwards), with Ray Data's progress bars and logs off."""
    ray = import_ray()
    started = False
    if not ray.is_initialized():
        if address and address not in ("auto", "local"):
            _probe(address)
        kw: dict[str, Any] = {"log_to_driver": False, "logging_level": "ERROR"}
        if not address or address == "local":
            kw["include_dashboard"] = False
        try:
            ray.init(address=address or None, **kw)
        except (ConnectionError, RuntimeError, ValueError) as e:
            msg = " ".join(str(e).split())[:300]
            raise BatchError(
                f"cannot connect to Ray at {address or 'a new local cluster'}: {msg}"
            ) from None
        started = True
    for name in ("ray", "ray.data"):
        logging.getLogger(name).setLevel(logging.ERROR)
    ctx = ray.data.DataContext.get_current()
    saved = ctx.enable_progress_bars
    ctx.enable_progress_bars = False
    try:
        yield ray
    finally:
        ctx.enable_progress_bars = saved
        if started:
            ray.shutdown()


def _unwrap(ray: Any, fn: Callable[[], Any]) -> Any:
    """Call ``fn``; a library error raised inside Ray comes back as itself, in one line."""
    try:
        return fn()
    except ray.exceptions.RayError as e:
        cause = getattr(e, "cause", None)
        if isinstance(cause, LmtaskError):
            raise type(cause)(str(cause)) from None
        first = next((ln.strip() for ln in str(cause or e).splitlines() if ln.strip()), "")
        raise BatchError(
            f"Ray failed: {type(cause or e).__name__}: {first[:300]}; finished shards are "
            "kept: run again to resume"
        ) from e


def describe_remote(ray: Any, spec: Any, num_gpus: float = 0.0) -> tuple[dict[str, Any], Any]:
    """The manifest entry of ``spec``'s classifier, built once in a Ray task (as an actor
    would: on a GPU node when ``num_gpus``): it also checks the spec before any data runs."""

    def build_and_describe(s: Any) -> dict[str, Any]:
        return describe(s, s.build())

    spec = portable(spec)
    task = ray.remote(num_gpus=num_gpus or 0, num_cpus=0.1)(build_and_describe)
    return _unwrap(ray, lambda: ray.get(task.remote(spec))), spec


def _read(ray: Any, shards: list[Shard], schema: Any, **extra: Any) -> Any:
    """One Ray read of ``shards`` (all of one format and delimiter)."""
    opts = reader_options(shards[0], schema)
    common = {"partitioning": None, "file_extensions": None, **extra}
    paths = [s.path for s in shards]
    if shards[0].format == "csv":
        return ray.data.read_csv(paths, **common, **opts)
    if shards[0].format == "json":
        return ray.data.read_json(paths, **common, **opts)
    return ray.data.read_parquet(paths, **common)


def wave_dataset(ray: Any, shards: list[Shard], schema: Any) -> Any:
    """The rows of ``shards``, in order, with a ``_lmtask_shard`` column: one read per
    format (``include_paths`` tells the shards apart), or, when the input has a column
    named ``path``, one read per shard."""
    groups: dict[tuple[str, bool], list[Shard]] = {}
    for s in shards:
        groups.setdefault((s.format, s.path.lower().endswith(".tsv")), []).append(s)
    if "path" in schema.names:
        parts = [
            _read(ray, [s], schema).map_batches(_Tag(schema, index=s.index), batch_format="pyarrow")
            for s in shards
        ]
    else:
        parts = [
            _read(ray, group, schema, include_paths=True).map_batches(
                _Tag(schema, paths={os.path.normpath(s.path): s.index for s in group}),
                batch_format="pyarrow",
            )
            for group in groups.values()
        ]
    return parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]


def actor_cpus(ray: Any, concurrency: int) -> float:
    """CPUs each actor reserves: 1, or less so that reading and writing keep one CPU."""
    cpus = float(ray.cluster_resources().get("CPU", 1.0))
    return round(min(1.0, max(0.1, (cpus - 1.0) / concurrency)), 2)


def run_ray(
    ray: Any,
    run: Run,
    spec: Any,
    *,
    batch_size: int = 64,
    concurrency: int = 1,
    num_gpus: float = 0.0,
    wave: int | None = None,
    on_shard: Callable[[dict[str, Any]], None] | None = None,
) -> int:
    """Predict every unfinished shard of ``run`` on the Ray cluster; returns the shards done."""
    pending = run.pending()
    wave = wave or 4 * concurrency
    cpus = actor_cpus(ray, concurrency)
    done = 0
    for k in range(0, len(pending), wave):
        shards = pending[k : k + wave]
        t0 = time.perf_counter()
        ds = wave_dataset(ray, shards, run.inputs.schema)
        ds = predict_dataset(
            ds,
            spec,
            text_column=run.inputs.text_column,
            batch_size=batch_size,
            concurrency=concurrency,
            num_gpus=num_gpus,
            num_cpus=cpus,
            labels=run.labels,
        )
        staging = run.staging / f"wave-{k // wave:05d}"
        with warnings.catch_warnings():  # "the operator only received 1 input(s)": fine
            warnings.filterwarnings("ignore", "The minimum number of concurrent actors")
            _unwrap(
                ray,
                lambda ds=ds, staging=staging: ds.write_parquet(
                    str(staging), partition_cols=[SHARD_COLUMN]
                ),
            )
        seconds = (time.perf_counter() - t0) / len(shards)
        for s in shards:
            staged = sorted((staging / f"{SHARD_COLUMN}={s.index}").glob("*.parquet"))
            files = []
            for j, f in enumerate(staged):
                os.replace(f, run.out / part_name(s.index, j))
                files.append(run.out / part_name(s.index, j))
            entry = run.record(s, files, seconds)
            done += 1
            if on_shard is not None:
                on_shard(entry)
        shutil.rmtree(staging, ignore_errors=True)
    return done


__all__ = ["actor_cpus", "connected", "describe_remote", "import_ray", "predict_dataset", "run_ray"]
