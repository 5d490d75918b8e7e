"""``lmtask eval``: evaluate one classifier on labelled data; a report folder in --out.

lmtask eval tweets --task sentiment --sample 300 --seed 0 --out runs/tweets
lmtask eval reviews.csv --labels positive,negative --model smollm2-135m-instruct --out runs/r
lmtask eval test.csv --artifact runs/sentiment-lora --out runs/test
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
    ExamplesOpt,
    LabelColOpt,
    LabelsOpt,
    LimitOpt,
    MinConfOpt,
    ModelOpt,
    ModeOpt,
    OrderOpt,
    OutOpt,
    SampleOpt,
    SeedOpt,
    SelectOpt,
    ShotsOpt,
    SplitOpt,
    TaskOpt,
    TestSizeOpt,
    TextColOpt,
    err,
    library_errors,
    method_options,
    note,
    shown_truncations,
)


def evaluate(
    data: DataArg,
    task: TaskOpt = None,
    labels: LabelsOpt = None,
    model: ModelOpt = None,
    method: Annotated[
        str | None,
        typer.Option(
            help="A method spec: zero-shot (default), few-shot:shots=8:select=nearest, "
            "finetune, ...; a built-in task with a trained detector (code-language) "
            "uses it unless a method is named."
        ),
    ] = None,
    mode: ModeOpt = None,
    shots: ShotsOpt = None,
    select: SelectOpt = None,
    order: OrderOpt = None,
    calibrate: CalibrateOpt = None,
    min_confidence: MinConfOpt = None,
    examples: ExamplesOpt = None,
    test_size: TestSizeOpt = 0.2,
    split_file: SplitOpt = None,
    limit: LimitOpt = None,
    sample: SampleOpt = None,
    seed: SeedOpt = 0,
    text_column: TextColOpt = None,
    label_column: LabelColOpt = None,
    encoding: EncodingOpt = "utf-8",
    batch_size: BatchOpt = None,
    dtype: DtypeOpt = "auto",
    out: OutOpt = Path("lmtask-eval"),
    artifact: Annotated[
        str | None, typer.Option(help="Evaluate a saved classifier (lmtask tune) instead.")
    ] = None,
    label_sep: Annotated[
        str, typer.Option(help="Multi-label data: separator between a row's labels.")
    ] = ";",
) -> None:
    """Evaluate a classifier on labelled data; write a report folder to --out."""
    from lmtask import ladder

    d = ladder.DataArgs(data, text_column, label_column, sample, seed, examples, test_size,
                        split_file, limit, encoding)  # fmt: skip
    opts = method_options(mode=mode, shots=shots, select=select, order=order, seed=seed,
                          calibrate=calibrate, min_confidence=min_confidence,
                          batch_size=batch_size)  # fmt: skip
    progress = err.is_terminal
    with library_errors(), shown_truncations():
        if artifact:
            run = ladder.evaluate_artifact(d, artifact, out, progress)
        elif method and method.split(":")[0] == "multi-label":
            res = ladder.evaluate_multilabel_spec(
                d, method, out, sep=label_sep, task=task, labels=labels, model=model,
                dtype=dtype, options={"batch_size": batch_size}, progress=progress,
            )  # fmt: skip
            Console().print(
                f"subset accuracy {res['subset_accuracy']:.3f}, micro-F1 {res['micro_f1']:.3f}, "
                f"macro-F1 {res['macro_f1']:.3f} on {res['n']} rows; report written to {out}"
            )
            return
        else:
            run = ladder.evaluate_spec(d, method, out, task=task, labels=labels, model=model,
                                       dtype=dtype, options=opts, progress=progress)  # fmt: skip
    for line in run.notes:
        note(line)
    assert run.report is not None
    Console().print(run.report.rich_table())
    Console().print(f"report written to {out}")
