"""``lmtask compare``: several methods on the same rows, side by side.

lmtask compare bbc-news --methods zero-shot,zero-shot:generate,majority --sample 200 --out runs/c
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

EXAMPLE_METHODS = "zero-shot,zero-shot:calibrate,few-shot:shots=4,few-shot:select=nearest,majority"


def compare(
    data: DataArg,
    methods: Annotated[
        str, typer.Option(help=f"Comma-separated method specs, e.g. {EXAMPLE_METHODS}.")
    ] = "zero-shot,majority",
    task: TaskOpt = None,
    labels: LabelsOpt = None,
    model: ModelOpt = None,
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
    out: OutOpt = Path("lmtask-compare"),
) -> None:
    """Run several methods on the same rows; print one table, write compare.json/.md/.png."""
    from lmtask import ladder

    d = ladder.DataArgs(data, text_column, label_column, sample, seed, examples, test_size,
                        split_file, limit, encoding)  # fmt: skip
    opts = method_options(mode=mode, shots=shots, select=select, order=order, seed=seed,
                          calibrate=calibrate, min_confidence=min_confidence,
                          batch_size=batch_size)  # fmt: skip
    with library_errors(), shown_truncations():
        run = ladder.compare_specs(d, methods, out, task=task, labels=labels, model=model,
                                   dtype=dtype, options=opts, progress=err.is_terminal)  # fmt: skip
    for line in run.notes:
        note(line)
    assert run.comparison is not None
    Console().print(run.comparison.rich_table())
    Console().print(f"comparison written to {out}")
