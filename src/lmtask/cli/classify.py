"""``lmtask classify``: classify texts by prompting (zero-shot by default).

lmtask classify "I love the sunny weather today." --task sentiment
lmtask classify --labels "C++,Python" --file snippets.txt --json
cat tweets.txt | lmtask classify - --task sentiment
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from typing import Annotated, Any

import typer

from lmtask.cli.common import (
    BatchOpt,
    CalibrateOpt,
    DtypeOpt,
    EncodingOpt,
    LabelsOpt,
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
    read_stdin_lines,
    shown_truncations,
)

FileOpt = Annotated[
    str | None, typer.Option("--file", "-f", help="txt (one text a line), CSV, TSV or JSONL.")
]
ColumnOpt = Annotated[str | None, typer.Option(help="Text column of a CSV/JSONL file.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="One JSON object per line.")]
ExplainOpt = Annotated[bool, typer.Option(help="Show the chain-of-thought reasoning.")]


def read_texts(file: str, column: str | None, encoding: str = "utf-8") -> list[str]:
    from lmtask.data import read_table

    with library_errors({"text_column": "--column"}):
        return read_table(file, text_column=column, encoding=encoding, need_labels=False).texts


def text_arguments(texts: list[str] | None, command: str) -> list[str]:
    """TEXT arguments are texts, never files ('-' reads stdin, one text a line); files come
    only through --file. An argument that names a file or folder here could be either, so it
    is refused with both ways to say which was meant (not guessed either way)."""
    for t in texts or []:
        if t != "-" and os.path.lexists(t):  # False, not an error, for a text too long
            q = shlex.quote(t)
            fail(f"{t!r} is given as a text but is also a file here: give --file {q} to read "
                 f"the file, or the text on stdin to {command} the words themselves "
                 f"(echo {q} | lmtask {command} ... -)")  # fmt: skip
    items: list[str] = []
    for t in texts or []:
        items.extend(read_stdin_lines() if t == "-" else [t])
    return items


def file_texts(file: str, column: str | None, encoding: str) -> tuple[list[str], list[str]]:
    """The texts of --file and how each is shown: a table's rows (shown as themselves), or a
    folder/glob/non-table file whose files are one text each (shown by path)."""
    from lmtask.data.files import is_file_set, read_files

    if not is_file_set(file):
        more = read_texts(file, column, encoding)
        return more, more
    if column:
        fail(f"--column picks a column of one table file; {file} names a set of files, "
             "each read whole as one text: give one table with --column, or leave --column "
             "out")  # fmt: skip
    with library_errors():
        found, skipped = read_files(file, encoding)
    for line in skipped:
        note(line)
    return [text for _, text in found], [str(path) for path, _ in found]


def gather_inputs(
    texts: list[str] | None, file: str | None, column: str | None, encoding: str, command: str
) -> tuple[list[str], list[str]]:
    """The texts of TEXT arguments and --file, and how each is shown; a one-line error when
    there are none."""
    if not texts and not file:
        fail(f"give texts to {command}, '-' for stdin, or --file")
    items = text_arguments(texts, command)
    shown = list(items)
    if file:
        more, names = file_texts(file, column, encoding)
        items.extend(more)
        shown.extend(names)
    if not items:
        fail(f"no text to {command}: the input was empty")
    return items, shown


def classify(
    texts: Annotated[
        list[str] | None, typer.Argument(help="Texts to classify; '-' reads stdin.")
    ] = None,
    task: TaskOpt = None,
    labels: LabelsOpt = None,
    model: ModelOpt = None,
    method: Annotated[
        str | None,
        typer.Option(
            help="zero-shot (default), few-shot, chain-of-thought, ... (name:key=value); "
            "a built-in task with a trained detector (code-language) uses it unless "
            "a method is named."
        ),
    ] = None,
    mode: ModeOpt = None,
    file: FileOpt = None,
    column: ColumnOpt = None,
    encoding: EncodingOpt = "utf-8",
    as_json: JsonOpt = False,
    batch_size: BatchOpt = None,
    dtype: DtypeOpt = "auto",
    normalize: Annotated[
        bool | None, typer.Option("--normalize/--no-normalize", help="Length-normalise scores.")
    ] = None,
    max_new_tokens: Annotated[int | None, typer.Option(min=1, help="Generate mode only.")] = None,
    examples: Annotated[
        str | None, typer.Option(help="Labelled file (CSV/JSONL/...) of few-shot examples.")
    ] = None,
    shots: ShotsOpt = None,
    select: SelectOpt = None,
    calibrate: CalibrateOpt = None,
    min_confidence: MinConfOpt = None,
    explain: ExplainOpt = False,
) -> None:
    """Classify texts by prompting (zero-shot by default); prints label and probability.

    --file takes a table (txt: one text a line; CSV, JSONL), or a folder or a glob
    ('src/**/*.py'): then each file is one text, shown by its path."""
    from lmtask.ladder import classifier_for

    items, shown = gather_inputs(texts, file, column, encoding, "classify")
    opts = method_options(mode=mode, batch_size=batch_size, normalize=normalize, shots=shots,
                          max_new_tokens=max_new_tokens, select=select, calibrate=calibrate,
                          min_confidence=min_confidence)  # fmt: skip
    with library_errors({"text_column": "--column"}):
        pool = None
        if examples:
            from lmtask.data import read_table

            pool = read_table(examples, encoding=encoding)
        with shown_truncations():
            clf = classifier_for(method, task=task, labels=labels, model=model, dtype=dtype,
                                 options=opts, pool=pool)  # fmt: skip
            preds = clf.predict(items, progress=len(items) > 16 and err.is_terminal)
    write_predictions(shown, preds, as_json, explain)


def write_predictions(items: list[str], preds: list[Any], as_json: bool, explain: bool) -> None:
    """One line per text: label, probability, text (or one JSON object per line)."""
    out = sys.stdout
    for text, p in zip(items, preds, strict=True):
        if as_json:
            out.write(json.dumps({"text": text, **p.to_dict()}, ensure_ascii=False) + "\n")
            continue
        label = p.label if p.label is not None else "unknown"
        top = max(p.scores.values()) if p.scores else 0.0
        prob = f"{top:.3f}" if p.raw is None else p.raw
        short = text.replace("\n", "\\n")
        short = short if len(short) <= 70 else short[:67] + "..."
        out.write(f"{label}\t{prob}\t{short}\n")
        if explain and p.rationale:
            out.write(f"  reasoning: {p.rationale}\n")
