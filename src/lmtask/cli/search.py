"""The ``search-templates`` command, added to the main app by ``register``.

Search on a *dev* split, then evaluate the chosen task on other rows: the winner's dev
score is optimistic, because it was picked on those very rows.

lmtask search-templates dev.csv --labels positive,negative --out runs/search
lmtask search-templates dev.csv --task sentiment --candidates mine.yaml --dev-size 100 --out s
lmtask eval test.csv --task runs/search/best-task.yaml --out runs/test

>>> import typer
>>> app = typer.Typer()
>>> register(app)
>>> [c.name for c in app.registered_commands]
['search-templates']
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from lmtask.cli.common import (
    DataArg,
    DtypeOpt,
    EncodingOpt,
    LabelColOpt,
    LabelsOpt,
    ModelOpt,
    TaskOpt,
    TextColOpt,
    err,
    library_errors,
    note,
)
from lmtask.cli.common import fail as _fail

DEV_NOTE = (
    "search on a dev split and evaluate the chosen task on other rows: the winner's "
    "dev score is optimistic (it was picked on these rows)"
)

CandidatesOpt = Annotated[
    Path | None,
    typer.Option(
        help="YAML/JSON list of {name, template, answer_start, words}; default: built-in ones."
    ),
]
DevSizeOpt = Annotated[
    int, typer.Option(min=1, help="Stratified sample of N rows searched on (all if fewer).")
]
SeedOpt = Annotated[int, typer.Option(help="Seed of the --dev-size sample.")]
BatchOpt = Annotated[int, typer.Option(min=1)]
OutOpt = Annotated[
    Path, typer.Option("--out", "-o", help="Folder for search.json and best-task.yaml.")
]


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _search_templates(
    data: DataArg,
    task: TaskOpt = None,
    labels: LabelsOpt = None,
    candidates: CandidatesOpt = None,
    model: ModelOpt = None,
    dev_size: DevSizeOpt = 200,
    seed: SeedOpt = 0,
    text_column: TextColOpt = None,
    label_column: LabelColOpt = None,
    encoding: EncodingOpt = "utf-8",
    batch_size: BatchOpt = 8,
    dtype: DtypeOpt = "auto",
    out: OutOpt = Path("lmtask-search"),
) -> None:
    """Try prompt templates on dev rows; print them ranked, write search.json and
    best-task.yaml (use it with --task). Search on dev data, evaluate elsewhere."""
    from lmtask.atomic import check_writable_dir
    from lmtask.data import load_data
    from lmtask.ladder.template_search import load_candidates, search
    from lmtask.models import DEFAULT_MODEL
    from lmtask.tasks import resolve_task

    if task is None and labels is None:
        _fail("give --task (a task name or file) or --labels (e.g. positive,negative)")
    with library_errors():
        check_writable_dir(out)
        dev = load_data(data, text_column, label_column, dev_size, seed, encoding=encoding)
        base = resolve_task(task, labels)
        cands = load_candidates(candidates) if candidates is not None else None
        result = search(
            base,
            model or DEFAULT_MODEL,
            dev,
            cands,
            method_options={"batch_size": batch_size},
            progress=err.is_terminal,
            dtype=dtype,
        )
        result.save(out / "search.json")
        result.task_yaml(out / "best-task.yaml")
    for line in dev.guessed + dev.notes:
        note(line)
    err.print(f"[yellow]note:[/] {DEV_NOTE}", highlight=False)
    table = Table(title=f"{len(result.rows)} candidates on {len(dev)} dev rows of {dev.source}")
    for col in ("#", "candidate", "accuracy", "macro-F1", "template", "answer start"):
        table.add_column(col, justify="right" if col in ("#", "accuracy", "macro-F1") else "left")
    for rank, r in enumerate(result.rows, 1):
        template = escape(r.template.replace("\n", "\\n"))
        if r.error is not None:
            template = f"[red]error: {escape(r.error)}[/]"
        table.add_row(
            str(rank),
            escape(r.name),
            _cell(r.accuracy),
            _cell(r.macro_f1),
            template,
            escape(r.answer_start),
        )
    Console(width=max(Console().width, 150)).print(table)
    Console().print(
        f"best: {result.best.name} (dev accuracy {result.best.accuracy:.3f}); wrote "
        f"{out / 'search.json'} and {out / 'best-task.yaml'} (use --task {out / 'best-task.yaml'})",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add ``search-templates`` to ``app``."""
    app.command("search-templates")(_search_templates)


__all__ = ["DEV_NOTE", "register"]
