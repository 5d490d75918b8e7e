"""The ``probe`` commands (``probe bias``), added to the main app by ``register``.

lmtask probe bias --task sentiment --out runs/bias
lmtask probe bias runs/best --data reviews.csv --text-column review --out runs/bias-data
lmtask probe bias --labels spam,ham --attributes gender-names,religion --fail-above 0.05 --out b

>>> import typer
>>> app = typer.Typer()
>>> register(app)
>>> [g.name for g in app.registered_groups]
['probe']
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from lmtask.cli.common import (
    CalibrateOpt,
    DtypeOpt,
    EncodingOpt,
    LabelsOpt,
    MinConfOpt,
    ModelOpt,
    TaskOpt,
    TextColOpt,
    err,
    library_errors,
    method_options,
)

probe_app = typer.Typer(
    help="Measure a classifier's limits: counterfactual bias.", no_args_is_help=True
)

_FLAGS = {"per_attribute": "--per-attribute", "text_column": "--text-column"}


@probe_app.command("bias")
def bias(
    artifact: Annotated[
        str | None, typer.Argument(help="A saved classifier folder (or use --task/--labels).")
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for pairs.jsonl, report.json/.md, PNG.")
    ] = Path("lmtask-bias"),
    task: TaskOpt = None,
    labels: LabelsOpt = None,
    method: Annotated[
        str | None,
        typer.Option(help="zero-shot (default), few-shot:shots=8, ... (as classify --method)."),
    ] = None,
    model: ModelOpt = None,
    examples: Annotated[
        str | None, typer.Option(help="Labelled file of few-shot examples / training rows.")
    ] = None,
    data: Annotated[
        str | None,
        typer.Option(help="Your texts (txt/CSV/JSONL): pairs where an attribute's word occurs."),
    ] = None,
    text_column: TextColOpt = None,
    encoding: EncodingOpt = "utf-8",
    attributes: Annotated[
        str | None,
        typer.Option(help="Comma-separated attributes (default: all; see --wordlists)."),
    ] = None,
    wordlists: Annotated[
        list[Path] | None,
        typer.Option(help="A word-list YAML file or folder of your own (repeatable)."),
    ] = None,
    per_attribute: Annotated[
        int | None,
        typer.Option(min=1, help="Sets per attribute (templates: 30; --data: all that match)."),
    ] = None,
    fail_above: Annotated[
        float | None,
        typer.Option(min=0.0, max=1.0, help="Exit 1 if an attribute's flip rate is above this."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the pairs (same seed, same pairs).")] = 0,
    batch_size: Annotated[int | None, typer.Option(min=1, help="Texts per forward pass.")] = None,
    calibrate: CalibrateOpt = None,
    min_confidence: MinConfOpt = None,
    dtype: DtypeOpt = "auto",
) -> None:
    """Counterfactual bias probe: does the label move when only a name, a gendered word, a
    nationality, a religion or an age changes? Writes a report folder to --out."""
    from lmtask.ladder import ClassifierSpec
    from lmtask.probe.bias import bias_probe

    opts = method_options(calibrate=calibrate, min_confidence=min_confidence,
                          batch_size=batch_size)  # fmt: skip
    with library_errors(_FLAGS):
        texts = None
        if data is not None:
            from lmtask.data import read_table

            texts = read_table(data, text_column=text_column, encoding=encoding).texts
        spec = ClassifierSpec(
            artifact=artifact, task=task, labels=labels, method=method, model=model,
            dtype=dtype, options=opts, examples=examples,
        )  # fmt: skip
        report = bias_probe(
            spec.build(),
            out,
            data=texts,
            attributes=attributes.split(",") if attributes else None,
            wordlists=wordlists or (),
            per_attribute=per_attribute,
            seed=seed,
            source=data,
            progress=err.is_terminal,
        )
    Console().print(report.rich_table())
    Console().print(f"report written to {out}", highlight=False)
    if fail_above is not None:
        flagged = report.flagged(fail_above)
        if flagged:
            rates = ", ".join(f"{a} {report.attributes[a]['flip_rate']:.3f}" for a in flagged)
            err.print(f"[bold red]failed:[/] flip rate above {fail_above}: {rates}",
                      highlight=False, soft_wrap=True)  # fmt: skip
            raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the ``probe`` command group to ``app``."""
    app.add_typer(probe_app, name="probe")


__all__ = ["probe_app", "register"]
