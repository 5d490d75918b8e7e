"""``lmtask datasets``: list the packaged datasets, or export one to JSONL.

lmtask datasets
lmtask datasets export tweets tweets.jsonl
lmtask datasets export fine-foods ff.jsonl    # fetched on demand (apt-get download, once)
lmtask datasets build code-languages          # the code corpus, from package archives
lmtask datasets build code-languages --pool   # and the training-only package pool
lmtask datasets build code-languages --extra  # and more windows of the train/dev packages
"""

from __future__ import annotations

import importlib.metadata as md
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from lmtask.cli.common import library_errors, note


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
    path: Annotated[Path, typer.Argument(help="Output .jsonl file, or - for stdout.")],
) -> None:
    """Write a packaged dataset as {"text", "label"} JSONL (fine-foods is fetched first if
    it is not here yet)."""
    import json
    import sys

    from lmtask.data import ensure_dataset, export_dataset, load_dataset

    with library_errors():
        ensure_dataset(name, log=lambda m: note(m.removeprefix("lmtask: ")))
        if str(path) == "-":
            data = load_dataset(name)
            for text, label in zip(data.texts, data.labels or [], strict=True):
                row = {"text": text, "label": label}
                sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
            return
        written = export_dataset(name, path)
    Console().print(f"wrote {written}")


BUILDERS = ("code-languages",)


@datasets_app.command("build")
def _build(
    name: Annotated[str, typer.Argument(help="What to build: code-languages.")],
    out: Annotated[Path | None, typer.Option(help="Folder (default: in the lmtask cache).")] = None,
    seed: Annotated[int, typer.Option(help="Seed of windows and the package split.")] = 0,
    only: Annotated[
        list[str] | None,
        typer.Option(help="Only these packages (pypi:x==1, npm:x@1, debian:x=1, debian-src:x=1)."),
    ] = None,
    pool: Annotated[
        bool,
        typer.Option(
            help="Also build the training-only package pool (pool-train.jsonl: more packages "
            "for training, never on dev or test; the shipped detector is trained with it)."
        ),
    ] = False,
    extra: Annotated[
        bool,
        typer.Option(
            help="Also cut more windows from the train and dev packages (extra-train.jsonl, "
            "extra-dev.jsonl: for training only; the shipped detector is trained with them)."
        ),
    ] = False,
) -> None:
    """Build a corpus from package archives (downloads; resumable: a second run reuses them)."""
    from lmtask.data import code

    if name not in BUILDERS:
        from lmtask.cli.common import fail

        fail(f"unknown corpus {name!r}; buildable: {', '.join(BUILDERS)}")
    with library_errors():
        sources = [code.Source.parse(s) for s in only] if only else None
        folder = code.build(out or code.DEFAULT_OUT, sources, seed=seed, log=note)
        manifest = code.load_manifest(folder)
        pool_file = code.build_pool(folder, log=note) if pool else None
        extra_files = code.build_extra(folder, ("train", "dev"), log=note) if extra else []
    Console().print(code.corpus_table(manifest))
    Console().print(f"written to {folder} (train.jsonl, dev.jsonl, test.jsonl, manifest.json)")
    if pool_file is not None:
        n = sum(1 for _ in pool_file.open())
        Console().print(f"training-only pool: {n} snippets in {pool_file}")
    for path in extra_files:
        n = sum(1 for _ in path.open())
        Console().print(f"extra training windows: {n} snippets in {path}")
