"""The ``batch`` command (files in, Parquet predictions out), added to the app by ``register``.

lmtask batch snippets/ --task code-language --out preds/
lmtask batch 'big/*.parquet' --artifact runs/best --engine ray --concurrency 4 --out preds/
lmtask batch tweets.csv --task sentiment --text-column tweet --out preds/   # again: resumes

>>> import typer
>>> app = typer.Typer()
>>> register(app)
>>> [c.name for c in app.registered_commands]
['batch']
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from lmtask.cli.common import (
    CalibrateOpt,
    DtypeOpt,
    MinConfOpt,
    ModelOpt,
    ModeOpt,
    SelectOpt,
    ShotsOpt,
    TaskOpt,
    err,
    fail,
    library_errors,
    method_options,
    note,
)

_FLAGS = {
    "text_column": "--text-column",
    "ray_address": "--ray-address",
    "concurrency": "--concurrency",
    "num_gpus": "--num-gpus",
    "batch_size": "--batch-size",
    "wave": "--wave",
}


def _summary(res: Any) -> str:
    rate = res.rows_done / res.seconds if res.seconds > 0 else 0.0
    skipped = f", {res.shards_skipped} finished before" if res.shards_skipped else ""
    return (
        f"{res.rows_in} rows in, {res.rows_out} rows out ({res.rows_error} with an error) in "
        f"{res.shards_done + res.shards_skipped} shard(s) ({res.shards_done} done now{skipped}); "
        f"{res.seconds:.1f} s, {rate:.1f} rows/s; written to {res.out} "
        f"(manifest {res.manifest_path.name})"
    )


def register(app: typer.Typer) -> None:
    """Add the ``batch`` command to ``app``."""

    @app.command("batch")
    def batch(
        input: Annotated[
            str, typer.Argument(help="A CSV/JSONL/Parquet file, a folder of them, or a glob.")
        ],
        out: Annotated[
            Path, typer.Option("--out", "-o", help="Output folder (Parquet shards, manifest).")
        ],
        artifact: Annotated[
            str | None, typer.Option(help="A saved classifier folder (lmtask tune, fit, ...).")
        ] = None,
        task: TaskOpt = None,
        labels: Annotated[
            str | None,
            typer.Option("--labels", "-l", help="Comma-separated labels (ad hoc, or the task's)."),
        ] = None,
        method: Annotated[
            str | None,
            typer.Option(
                help="zero-shot (default), few-shot, ... (name:key=value); a built-in "
                "task with a trained detector (code-language) uses it by default."
            ),
        ] = None,
        model: ModelOpt = None,
        examples: Annotated[
            str | None, typer.Option(help="Labelled file of few-shot examples / training rows.")
        ] = None,
        text_column: Annotated[
            str | None,
            typer.Option(help="The column to classify (default: one named text, review, ...)."),
        ] = None,
        engine: Annotated[
            str,
            typer.Option(
                help="local (this process) or ray (Ray Data; needs the ray extra of lmtask)."
            ),
        ] = "local",
        ray_address: Annotated[
            str | None,
            typer.Option(help="Ray: join the cluster at HOST:PORT (default: start a local one)."),
        ] = None,
        concurrency: Annotated[
            int | None,
            typer.Option(min=1, help="Ray: actors, each building the classifier once (1)."),
        ] = None,
        batch_size: Annotated[int, typer.Option(min=1, help="Rows per prediction call.")] = 64,
        num_gpus: Annotated[
            float, typer.Option(min=0.0, help="Ray: GPUs per actor (fractions share a GPU).")
        ] = 0.0,
        wave: Annotated[
            int | None,
            typer.Option(
                min=1,
                help="Ray: input shards per Ray Dataset run; finished shards are "
                "recorded after each (default: 4 per actor).",
            ),
        ] = None,
        dtype: DtypeOpt = "auto",
        mode: ModeOpt = None,
        shots: ShotsOpt = None,
        select: SelectOpt = None,
        calibrate: CalibrateOpt = None,
        min_confidence: MinConfOpt = None,
    ) -> None:
        """Classify every row of CSV/JSONL/Parquet files into Parquet shards; resumable.

        Output: every input column plus label, p_<label> per label and error (an empty text
        is a row error, not a failure), and _manifest.json (classifier, model hash, rows in
        and out, time). Run the same command again to finish an interrupted run."""
        from lmtask.batch import run_batch
        from lmtask.ladder import ClassifierSpec

        opts = method_options(
            mode=mode,
            shots=shots,
            select=select,
            calibrate=calibrate,
            min_confidence=min_confidence,
        )

        def shard_done(entry: dict[str, Any]) -> None:
            if engine == "ray":
                note(f"{Path(entry['path']).name}: {entry['rows_out']} rows written")

        try:
            with library_errors(_FLAGS):
                spec = ClassifierSpec(
                    artifact=artifact,
                    task=task,
                    labels=labels,
                    method=method,
                    model=model,
                    dtype=dtype,
                    options=opts,
                    examples=examples,
                )
                res = run_batch(
                    input,
                    out,
                    spec,
                    engine=engine,
                    text_column=text_column,
                    batch_size=batch_size,
                    concurrency=concurrency,
                    num_gpus=num_gpus,
                    ray_address=ray_address,
                    wave=wave,
                    progress=err.is_terminal,
                    on_shard=shard_done,
                )
        except KeyboardInterrupt:
            fail(f"interrupted; run the same command again to resume into {out}")
        if res.rows_in and res.rows_error == res.rows_in:
            fail(f"every row failed (see the error column in {out}); check the classifier")
        if res.rows_error:
            note(f"warning: {res.rows_error} row(s) have no prediction; see the error column")
        Console().print(_summary(res), highlight=False, soft_wrap=True)
