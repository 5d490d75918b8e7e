"""``lmtask fit``: the automatic ladder: try what the budget allows, keep the best.

lmtask fit data.csv --budget 15m --out runs/best
lmtask predict runs/best "some new text"
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from lmtask.cli.common import (
    DataArg,
    DtypeOpt,
    EncodingOpt,
    LabelColOpt,
    LabelsOpt,
    ModelOpt,
    SampleOpt,
    SeedOpt,
    TaskOpt,
    TextColOpt,
    err,
    fail,
    library_errors,
)

_UNITS = {"": 1, "s": 1, "m": 60, "min": 60, "h": 3600}


def parse_budget(text: str) -> float:
    """'900', '90s', '15m', '1.5h' -> seconds."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(s|m|min|h)?\s*", text)
    if not m:
        fail(f"--budget {text!r}: give seconds or a number with s, m or h (e.g. 15m)")
    return float(m.group(1)) * _UNITS[m.group(2) or ""]


def fit(
    data: DataArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Artifact folder for the best rung.")],
    budget: Annotated[str, typer.Option(help="Time to spend: 900, 90s, 15m, 1h.")] = "15m",
    task: TaskOpt = None,
    labels: LabelsOpt = None,
    model: ModelOpt = None,
    sample: SampleOpt = None,
    seed: SeedOpt = 0,
    text_column: TextColOpt = None,
    label_column: LabelColOpt = None,
    dtype: DtypeOpt = "auto",
    encoding: EncodingOpt = "utf-8",
) -> None:
    """Split the data, try the rungs the budget allows (cheapest first), keep the best by dev
    macro-F1, measure it on test rows and save it; out/compare has everything tried."""
    from lmtask import ladder

    seconds = parse_budget(budget)
    d = ladder.DataArgs(data, text_column, label_column, sample, seed, encoding=encoding)
    with library_errors():
        run = ladder.fit(d, out, budget_s=seconds, task=task, labels=labels, model=model,
                         dtype=dtype, on_event=lambda m: err.print(m, highlight=False),
                         progress=err.is_terminal)  # fmt: skip
    for rung, why in run.skipped.items():
        err.print(f"[dim]skipped {rung}: {why}[/]", highlight=False)
    Console().print(
        f"best: {run.best} (test macro-F1 {run.test['macro_f1']:.3f}, accuracy "
        f"{run.test['accuracy']:.3f} on {run.test['n']} rows); artifact in {out}, "
        f"everything tried in {out / 'compare'}"
    )
