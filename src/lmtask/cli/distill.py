"""``lmtask distill``: a teacher labels unlabelled texts; a small encoder learns from it.

lmtask distill unlabelled.txt --teacher few-shot:select=nearest --examples labelled.csv \
    --labels positive,negative --dev dev.csv --out runs/student
lmtask distill tweets.txt --teacher runs/big-artifact --out runs/student
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from lmtask.cli.common import (
    DtypeOpt,
    EncodingOpt,
    ExamplesOpt,
    LabelsOpt,
    ModelOpt,
    TaskOpt,
    TextColOpt,
    err,
    library_errors,
)


def distill(
    texts: Annotated[
        str, typer.Argument(help="Unlabelled texts: txt (a text a line), CSV, JSONL.")
    ],
    teacher: Annotated[str, typer.Option(help="An artifact folder or a method spec.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Artifact folder for the student.")],
    student: Annotated[
        str, typer.Option(help="finetune or lora spec (default: the first 3 MiniLM layers).")
    ] = "finetune:epochs=6:layers=3",  # lmtask.ladder.distill.STUDENT
    task: TaskOpt = None,
    labels: LabelsOpt = None,
    model: ModelOpt = None,
    examples: ExamplesOpt = None,
    dev: Annotated[
        str | None, typer.Option(help="Labelled file: teacher vs student accuracy and speed.")
    ] = None,
    text_column: TextColOpt = None,
    dtype: DtypeOpt = "auto",
    encoding: EncodingOpt = "utf-8",
    match_rates: Annotated[
        bool,
        typer.Option(
            help="Move the student's decisions to give each label as often as "
            "the teacher did on TEXTS."
        ),
    ] = True,
) -> None:
    """Label TEXTS with the teacher (resumable), train the student on its soft labels, save."""
    from lmtask import ladder

    with library_errors():
        run = ladder.distill(texts, teacher, out, student=student, text_column=text_column,
                             task=task, labels=labels, model=model, dtype=dtype,
                             examples=examples, dev=dev, match_teacher_rates=match_rates,
                             on_event=lambda m: err.print(m, highlight=False),
                             encoding=encoding)  # fmt: skip
    Console().print(f"student written to {out} ({run.n_texts} texts labelled by the teacher)")
    for who in ("teacher", "student"):
        if who in run.dev:
            m = run.dev[who]
            Console().print(f"{who}: accuracy {m['accuracy']:.3f}, macro-F1 {m['macro_f1']:.3f}, "
                            f"{m['texts_per_s']:.1f} texts/s on {m['n']} dev rows")  # fmt: skip
