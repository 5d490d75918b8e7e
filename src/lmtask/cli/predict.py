"""``lmtask predict``: predict with a saved classifier (an artifact folder).

lmtask predict runs/sentiment-lora "I love it" "I hate it"
lmtask predict runs/sentiment-lora --file reviews.jsonl --json

As in ``classify``, TEXT arguments are texts and files come through ``--file``.
"""

from __future__ import annotations

from typing import Annotated

import typer

from lmtask.cli.classify import (
    ColumnOpt,
    ExplainOpt,
    FileOpt,
    JsonOpt,
    gather_inputs,
    write_predictions,
)
from lmtask.cli.common import EncodingOpt, err, library_errors, shown_truncations


def predict(
    artifact: Annotated[str, typer.Argument(help="A folder saved by lmtask (tune, save).")],
    texts: Annotated[
        list[str] | None, typer.Argument(help="Texts to predict; '-' reads stdin.")
    ] = None,
    file: FileOpt = None,
    column: ColumnOpt = None,
    encoding: EncodingOpt = "utf-8",
    as_json: JsonOpt = False,
    explain: ExplainOpt = False,
) -> None:
    """Predict with a saved classifier; prints label and probability per text.

    --file takes a table (txt: one text a line; CSV, JSONL), or a folder or a glob
    ('src/**/*.py'): then each file is one text, shown by its path."""
    from lmtask.artifacts import load

    items, shown = gather_inputs(texts, file, column, encoding, "predict")
    with library_errors(), shown_truncations():
        clf = load(artifact)
        preds = clf.predict(items, progress=len(items) > 16 and err.is_terminal)
    write_predictions(shown, preds, as_json, explain)
