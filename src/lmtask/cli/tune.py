"""``lmtask tune``: fit a method on labelled data and save it as an artifact folder.

lmtask tune data.csv --task sentiment --method lora --out runs/sentiment-lora
accelerate launch --multi_gpu --num_processes 2 -m lmtask tune data.csv --method finetune --out r
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from lmtask.cli.common import (
    BatchOpt,
    CalibrateOpt,
    DataArg,
    DtypeOpt,
    EncodingOpt,
    LabelColOpt,
    LabelsOpt,
    MinConfOpt,
    ModelOpt,
    ModeOpt,
    OrderOpt,
    SeedOpt,
    SelectOpt,
    ShotsOpt,
    TaskOpt,
    TextColOpt,
    err,
    library_errors,
    method_options,
    shown_truncations,
)


def tune(
    data: DataArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Artifact folder to write.")],
    task: TaskOpt = None,
    labels: LabelsOpt = None,
    model: ModelOpt = None,
    method: Annotated[str, typer.Option(help="few-shot, finetune, lora, ... (name:key=value).")] = (
        "few-shot"
    ),
    mode: ModeOpt = None,
    shots: ShotsOpt = None,
    select: SelectOpt = None,
    order: OrderOpt = None,
    calibrate: CalibrateOpt = None,
    min_confidence: MinConfOpt = None,
    test_size: Annotated[
        float,
        typer.Option(min=0.0, help="Share of rows held out to measure the artifact (0: none)."),
    ] = 0.2,
    seed: SeedOpt = 0,
    text_column: TextColOpt = None,
    label_column: LabelColOpt = None,
    encoding: EncodingOpt = "utf-8",
    batch_size: BatchOpt = None,
    dtype: DtypeOpt = "auto",
    resume: Annotated[
        bool,
        typer.Option(
            help="Continue training from the last checkpoint in the method's "
            "output_dir (e.g. --method finetune:output_dir=ckpt)."
        ),
    ] = False,
) -> None:
    """Fit a method on labelled data and save it as an artifact folder (lmtask predict).

    Under ``accelerate launch`` (several processes) every process trains; only the main
    one evaluates and writes the artifact.
    """
    from lmtask import ladder

    d = ladder.DataArgs(data, text_column, label_column, None, seed, test_size=test_size,
                        encoding=encoding)  # fmt: skip
    opts = method_options(mode=mode, shots=shots, select=select, order=order, seed=seed,
                          calibrate=calibrate, min_confidence=min_confidence,
                          batch_size=batch_size)  # fmt: skip
    with library_errors({"resume": "--resume"}), shown_truncations():
        run = ladder.tune(d, method, out, task=task, labels=labels, model=model, dtype=dtype,
                          options=opts, resume=resume, progress=err.is_terminal)  # fmt: skip
    if not run.saved:
        return
    m = run.metrics
    if m:
        Console().print(
            f"held-out accuracy {m['accuracy']:.3f}, macro-F1 {m['macro_f1']:.3f} on {m['n']} rows"
        )
    Console().print(f"artifact written to {out}; use: lmtask predict {out} TEXT...")
