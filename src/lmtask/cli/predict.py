"""``lmtask predict``: predict with a saved classifier (an artifact folder).

lmtask predict runs/sentiment-lora "I love it" reviews.jsonl
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lmtask.cli.classify import ColumnOpt, ExplainOpt, JsonOpt, read_texts, write_predictions
from lmtask.cli.common import (
    EncodingOpt,
    err,
    fail,
    library_errors,
    read_stdin_lines,
    shown_truncations,
)


def predict(
    artifact: Annotated[str, typer.Argument(help="A folder saved by lmtask (tune, save).")],
    inputs: Annotated[
        list[str] | None, typer.Argument(help="Texts, files (txt/CSV/JSONL) or '-' for stdin.")
    ] = None,
    column: ColumnOpt = None,
    encoding: EncodingOpt = "utf-8",
    as_json: JsonOpt = False,
    explain: ExplainOpt = False,
) -> None:
    """Predict with a saved classifier; prints label and probability per text."""
    from lmtask.artifacts import load

    items: list[str] = []
    for x in inputs or []:
        if x == "-":
            items.extend(read_stdin_lines())
        elif Path(x).is_file():
            items.extend(read_texts(x, column, encoding))
        else:
            items.append(x)
    if not items:
        fail("give texts, files or '-' to predict (the input was empty)")
    with library_errors(), shown_truncations():
        clf = load(artifact)
        preds = clf.predict(items, progress=len(items) > 16 and err.is_terminal)
    write_predictions(items, preds, as_json, explain)
