"""The ``eval``, ``compare`` and ``datasets`` commands, added to the main app by ``register``.

lmtask eval tweets --task sentiment --sample 300 --seed 0 --out runs/tweets
lmtask eval reviews.csv --labels positive,negative --model smollm2-135m-instruct --out runs/r
lmtask compare bbc-news --methods zero-shot,zero-shot:generate,majority --sample 200 --out runs/c
lmtask datasets
lmtask datasets export tweets tweets.jsonl
"""

from __future__ import annotations

import importlib.metadata as md
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from lmtask.errors import InputError, LmtaskError

err = Console(stderr=True)
PSEUDO = ("majority", "zero-shot:generate", "zero-shot:score")

TaskOpt = Annotated[str | None, typer.Option("--task", "-t", help="Task name or YAML/JSON file.")]
LabelsOpt = Annotated[
    str | None,
    typer.Option("--labels", "-l", help="Comma-separated labels (default: the data's labels)."),
]
ModelOpt = Annotated[
    str | None, typer.Option("--model", "-m", help="Model alias, .gguf, folder or hub id.")
]
ModeOpt = Annotated[str, typer.Option(help="score (label likelihoods) or generate.")]
LimitOpt = Annotated[int | None, typer.Option(min=1, help="Only the first N rows.")]
SampleOpt = Annotated[
    int | None, typer.Option(min=1, help="A fixed stratified sample of N rows (see --seed).")
]
SeedOpt = Annotated[int, typer.Option(help="Seed of --sample.")]
TextColOpt = Annotated[str | None, typer.Option(help="Text column of a data file.")]
LabelColOpt = Annotated[str | None, typer.Option(help="Label column of a data file.")]
BatchOpt = Annotated[int, typer.Option(min=1)]
DtypeOpt = Annotated[str, typer.Option(help="auto, bfloat16 or float32.")]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Folder to write the report into.")]
DataArg = Annotated[
    str, typer.Argument(help="A data file (csv, tsv, jsonl, parquet) or a packaged dataset.")
]


def _fail(msg: str) -> None:
    err.print(f"[bold red]error:[/] {msg}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def load_data(
    data: str,
    text_column: str | None = None,
    label_column: str | None = None,
    sample: int | None = None,
    seed: int = 0,
) -> Any:
    """A data file or packaged dataset, optionally a fixed stratified sample of it."""
    from lmtask.data import DATASETS, load_dataset, read_table, stratified_sample

    if Path(data).exists() or data not in DATASETS:
        if not Path(data).exists() and "/" not in data and "." not in data:
            raise InputError(
                f"{data!r} is neither a file nor a packaged dataset; packaged datasets are: "
                f"{', '.join(sorted(DATASETS))}"
            )
        loaded = read_table(data, text_column=text_column, label_column=label_column)
    else:
        if text_column or label_column:
            raise InputError(
                f"--text-column and --label-column apply to data files, not to the packaged "
                f"dataset {data!r}"
            )
        loaded = load_dataset(data)
    if loaded.labels is None:
        raise InputError(
            f"{loaded.source} has no labels, so it cannot be evaluated; pass --label-column "
            "to name the column that holds them"
        )
    if sample is not None:
        loaded = stratified_sample(loaded, sample, seed=seed)
    return loaded


def _labels_for(data: Any, task: str | None, labels: str | None) -> str | list[str] | None:
    if task is None and labels is None:
        return sorted(set(data.labels))
    return labels


def check_methods(methods: list[str]) -> None:
    """Reject unknown method names before any work starts."""
    from lmtask.methods import list_methods

    known = list(PSEUDO) + [m for m in list_methods() if m not in PSEUDO]
    bad = [m for m in methods if m not in known]
    if bad:
        raise InputError(
            f"unknown method(s) {', '.join(map(repr, bad))}; available: {', '.join(known)}"
        )
    if not methods:
        raise InputError(f"give at least one method with --methods; available: {', '.join(known)}")


def build_classifier(
    method: str,
    data: Any,
    task: str | None,
    labels: Any,
    model: str | None,
    mode: str,
    batch_size: int,
    dtype: str = "auto",
) -> Any:
    """The classifier named ``method`` (a registered method or a pseudo-method)."""
    from lmtask.evaluation import Majority
    from lmtask.methods import get_method
    from lmtask.models import DEFAULT_MODEL

    model_name = model or DEFAULT_MODEL
    if method == "majority":
        return Majority(task, data.labels, labels=labels)
    if method.startswith("zero-shot"):
        from lmtask.methods.zero_shot import MODES, ZeroShot

        if ":" in method:
            mode = method.split(":", 1)[1]
        if mode not in MODES:
            raise InputError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}")
        return ZeroShot(
            task=task,
            labels=labels,
            model=model_name,
            mode=mode,
            batch_size=batch_size,
            dtype=dtype,
        )
    cls = get_method(method)
    return cls(task=task, labels=labels, model=model_name)


def _eval(
    data: DataArg,
    task: TaskOpt = None,
    labels: LabelsOpt = None,
    model: ModelOpt = None,
    method: Annotated[
        str, typer.Option(help="zero-shot, or another registered method.")
    ] = "zero-shot",
    mode: ModeOpt = "score",
    limit: LimitOpt = None,
    sample: SampleOpt = None,
    seed: SeedOpt = 0,
    text_column: TextColOpt = None,
    label_column: LabelColOpt = None,
    batch_size: BatchOpt = 8,
    dtype: DtypeOpt = "auto",
    out: OutOpt = Path("lmtask-eval"),
) -> None:
    """Evaluate a classifier on labelled data; write a report folder to --out."""
    from lmtask.evaluation import evaluate

    try:
        check_methods([method])
        rows = load_data(data, text_column, label_column, sample, seed)
        lbls = _labels_for(rows, task, labels)
        clf = build_classifier(method, rows, task, lbls, model, mode, batch_size, dtype)
        report = evaluate(clf, rows, limit=limit, progress=err.is_terminal)
        report.save(out)
    except LmtaskError as e:
        _fail(str(e))
    for line in rows.guessed + rows.notes:
        err.print(f"[dim]note:[/] {line}", highlight=False)
    Console().print(report.rich_table())
    Console().print(f"report written to {out}")


def _compare(
    data: DataArg,
    methods: Annotated[
        str, typer.Option(help=f"Comma-separated methods, e.g. {','.join(PSEUDO)}.")
    ] = "zero-shot,majority",
    task: TaskOpt = None,
    labels: LabelsOpt = None,
    model: ModelOpt = None,
    mode: ModeOpt = "score",
    limit: LimitOpt = None,
    sample: SampleOpt = None,
    seed: SeedOpt = 0,
    text_column: TextColOpt = None,
    label_column: LabelColOpt = None,
    batch_size: BatchOpt = 8,
    dtype: DtypeOpt = "auto",
    out: OutOpt = Path("lmtask-compare"),
) -> None:
    """Run several methods on the same rows; print one table, write compare.json/.md/.png."""
    from lmtask.evaluation import _dumps, _plot_atomic, _write_atomic, evaluate
    from lmtask.plots import compare_bar_chart

    names = [m.strip() for m in methods.split(",") if m.strip()]
    results: list[dict[str, Any]] = []
    try:
        check_methods(names)
        rows = load_data(data, text_column, label_column, sample, seed)
        if limit is not None:
            rows = rows.subset(range(min(limit, len(rows))))
        lbls = _labels_for(rows, task, labels)
        out.mkdir(parents=True, exist_ok=True)
        for name in names:
            clf = build_classifier(name, rows, task, lbls, model, mode, batch_size, dtype)
            report = evaluate(clf, rows, progress=err.is_terminal)
            sub = out / name.replace(":", "-")
            report.save(sub)
            results.append(
                {
                    "method": name,
                    "accuracy": report.accuracy,
                    "macro_f1": report.macro_f1,
                    "ece": report.ece,
                    "texts_per_s": report.texts_per_s,
                    "wall_s": report.wall_s,
                    "report": str(sub.relative_to(out)),
                    "classifier": report.classifier,
                }
            )
        doc = {"data": rows.source, "n": len(rows), "labels": report.labels, "methods": results}
        _write_atomic(out / "compare.json", _dumps(doc) + "\n")
        _write_atomic(out / "compare.md", _compare_md(doc))
        _plot_atomic(out / "compare.png", lambda p: compare_bar_chart(results, p))
    except LmtaskError as e:
        _fail(str(e))
    table = Table(title=f"{len(rows)} rows of {rows.source}")
    for col in ("method", "accuracy", "macro-F1", "ECE", "texts/s"):
        table.add_column(col, justify="left" if col == "method" else "right")
    for r in results:
        table.add_row(
            r["method"],
            f"{r['accuracy']:.3f}",
            f"{r['macro_f1']:.3f}",
            f"{r['ece']:.3f}",
            f"{r['texts_per_s']:.1f}",
        )
    Console().print(table)
    Console().print(f"comparison written to {out}")


def _compare_md(doc: dict[str, Any]) -> str:
    lines = [
        f"# Comparison on {doc['n']} rows of {doc['data']}",
        "",
        "| method | accuracy | macro-F1 | ECE | texts/s | report |",
        "|---|---|---|---|---|---|",
    ]
    for r in doc["methods"]:
        lines.append(
            f"| {r['method']} | {r['accuracy']:.4f} | {r['macro_f1']:.4f} | {r['ece']:.4f} "
            f"| {r['texts_per_s']:.2f} | [{r['report']}]({r['report']}/report.md) |"
        )
    return "\n".join(lines) + "\n"


def _installed(info: Any) -> bool:
    if info.name == "fine-foods":
        from lmtask.data import find_modeldata

        return find_modeldata() is not None
    try:
        md.distribution(info.package)
    except md.PackageNotFoundError:
        return False
    return True


datasets_app = typer.Typer(
    help="List the packaged datasets, or export one to JSONL.",
    invoke_without_command=True,
    no_args_is_help=False,
)


@datasets_app.callback()
def _datasets(ctx: typer.Context) -> None:
    """List packaged datasets (name, size, labels, installed?); `export` writes one out."""
    if ctx.invoked_subcommand is None:
        _list_datasets()


@datasets_app.command("list")
def _list_datasets() -> None:
    """List packaged datasets: name, size, labels, installed or not, and how to install."""
    from lmtask.data import list_datasets

    table = Table(title="lmtask datasets")
    for col in ("name", "size", "labels", "installed", "install"):
        table.add_column(col)
    for info in list_datasets():
        ok = _installed(info)
        table.add_row(
            info.name,
            str(info.size),
            ", ".join(info.labels),
            "yes" if ok else "no",
            "" if ok else info.install,
        )
    Console(width=max(Console().width, 150)).print(table)


@datasets_app.command("export")
def _export(
    name: Annotated[str, typer.Argument(help="Packaged dataset name.")],
    path: Annotated[Path, typer.Argument(help="Output .jsonl file.")],
) -> None:
    """Write a packaged dataset as {"text", "label"} JSONL."""
    from lmtask.data import export_dataset

    try:
        written = export_dataset(name, path)
    except LmtaskError as e:
        _fail(str(e))
    Console().print(f"wrote {written}")


def register(app: typer.Typer) -> None:
    """Add ``eval``, ``compare`` and ``datasets`` to ``app``."""
    app.command("eval")(_eval)
    app.command("compare")(_compare)
    app.add_typer(datasets_app, name="datasets")


__all__ = ["build_classifier", "check_methods", "datasets_app", "load_data", "register"]
