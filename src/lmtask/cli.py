"""The ``lmtask`` command line.

lmtask classify "I love the sunny weather today." --task sentiment
lmtask classify --labels "C++,Python" --file snippets.txt --json
lmtask models
"""

from __future__ import annotations

import json
import sys
import warnings
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from lmtask.cli_common import err
from lmtask.cli_common import fail as _fail
from lmtask.errors import LmtaskError
from lmtask.prompting import TruncationWarning

app = typer.Typer(
    help="Turn a pretrained language model into a text classifier, offline.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _read_texts(file: str, column: str | None) -> list[str]:
    from lmtask.data import read_table

    return read_table(file, text_column=column).texts


@app.command()
def classify(
    texts: Annotated[
        list[str] | None, typer.Argument(help="Texts to classify; '-' reads stdin.")
    ] = None,
    task: Annotated[
        str | None, typer.Option("--task", "-t", help="Task name or YAML/JSON file.")
    ] = None,
    labels: Annotated[
        str | None, typer.Option("--labels", "-l", help="Comma-separated labels.")
    ] = None,
    model: Annotated[
        str, typer.Option("--model", "-m", help="Model alias, .gguf, folder or hub id.")
    ] = "qwen2.5-coder-0.5b-instruct",
    mode: Annotated[str, typer.Option(help="score (label likelihoods) or generate.")] = "score",
    file: Annotated[
        str | None, typer.Option("--file", "-f", help="txt (one text a line), CSV, TSV or JSONL.")
    ] = None,
    column: Annotated[str | None, typer.Option(help="Text column of a CSV/JSONL file.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    batch_size: Annotated[int, typer.Option(min=1)] = 8,
    dtype: Annotated[str, typer.Option(help="auto, bfloat16 or float32.")] = "auto",
    normalize: Annotated[bool, typer.Option(help="Length-normalise label scores.")] = False,
    max_new_tokens: Annotated[int, typer.Option(min=1, help="Generate mode only.")] = 16,
    method: Annotated[
        str, typer.Option(help="zero-shot, few-shot or chain-of-thought (or name:key=value).")
    ] = "zero-shot",
    examples: Annotated[
        str | None, typer.Option(help="Labelled file (CSV/JSONL/...) of few-shot examples.")
    ] = None,
    shots: Annotated[int, typer.Option(min=0, help="Few-shot: examples per prompt.")] = 4,
    select: Annotated[
        str, typer.Option(help="Few-shot: random, balanced or nearest.")
    ] = "balanced",
    calibrate: Annotated[bool, typer.Option(help="Contextual calibration.")] = False,
    min_confidence: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Answer 'unknown' below this probability.")
    ] = 0.0,
    explain: Annotated[bool, typer.Option(help="Show the chain-of-thought reasoning.")] = False,
) -> None:
    """Classify texts by prompting (zero-shot by default); prints label and probability."""
    try:
        items: list[str] = []
        for t in texts or []:
            items.extend(sys.stdin.read().splitlines() if t == "-" else [t])
        if file:
            items.extend(_read_texts(file, column))
        if not texts and not file:
            _fail("give texts to classify, '-' for stdin, or --file")
        from lmtask.cli_eval import build_classifier, check_methods

        check_methods([method])
        pool = None
        if examples:
            from lmtask.data import read_table

            pool = read_table(examples)
        opts = dict(mode=mode, dtype=dtype, batch_size=batch_size, normalize=normalize,
                    max_new_tokens=max_new_tokens, shots=shots, select=select,
                    calibrate=calibrate, min_confidence=min_confidence)  # fmt: skip
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            clf = build_classifier(method, None, task, labels, model, opts, pool)
            preds = clf.predict(items, progress=len(items) > 16 and err.is_terminal)
        for w in caught:
            if w.category is TruncationWarning:
                err.print(f"[yellow]warning:[/] {w.message}", highlight=False)
    except LmtaskError as e:
        _fail(str(e))
    _write_predictions(items, preds, as_json, explain)


def _write_predictions(items: list[str], preds: list, as_json: bool, explain: bool) -> None:
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


@app.command()
def predict(
    artifact: Annotated[str, typer.Argument(help="A folder saved by lmtask (tune, save).")],
    inputs: Annotated[
        list[str] | None, typer.Argument(help="Texts, files (txt/CSV/JSONL) or '-' for stdin.")
    ] = None,
    column: Annotated[str | None, typer.Option(help="Text column of a CSV/JSONL file.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    explain: Annotated[bool, typer.Option(help="Show chain-of-thought reasoning.")] = False,
) -> None:
    """Predict with a saved classifier; prints label and probability per text."""
    from pathlib import Path

    try:
        items: list[str] = []
        for x in inputs or []:
            if x == "-":
                items.extend(sys.stdin.read().splitlines())
            elif Path(x).is_file():
                items.extend(_read_texts(x, column))
            else:
                items.append(x)
        if not items:
            _fail("give texts, files or '-' to predict")
        from lmtask.artifacts import load

        clf = load(artifact)
        preds = clf.predict(items, progress=len(items) > 16 and err.is_terminal)
    except LmtaskError as e:
        _fail(str(e))
    _write_predictions(items, preds, as_json, explain)


@app.command()
def models() -> None:
    """List model aliases: size, installed or not, converted (cached) or not."""
    from lmtask.models.cache import cache_root
    from lmtask.models.registry import DEFAULT_MODEL, MODELS

    table = Table(title=f"lmtask models (cache: {cache_root()})")
    for col in ("alias", "kind", "size", "installed", "cached", "install"):
        table.add_column(col)
    for alias, spec in MODELS.items():
        installed = spec.installed()
        cached = "-"
        if spec.parts is not None:
            entry = cache_root() / "models" / alias
            cached = "yes" if entry.is_dir() and any(entry.glob("*/lmtask-model.json")) else "no"
        name = alias + (" (default)" if alias == DEFAULT_MODEL else "")
        table.add_row(
            name,
            spec.kind,
            f"{spec.size_mb} MB",
            "yes" if installed else "no",
            cached,
            "" if installed else spec.install,
        )
    Console(width=max(Console().width, 150)).print(table)


@app.command()
def tasks() -> None:
    """List the built-in and registered tasks with their labels."""
    from lmtask.tasks import get_task, list_tasks

    table = Table(title="lmtask tasks")
    table.add_column("task")
    table.add_column("labels")
    for name in list_tasks():
        table.add_row(name, ", ".join(get_task(name).label_names))
    Console().print(table)


from lmtask.cli_eval import register as _register_eval  # noqa: E402

_register_eval(app)

from lmtask.cli_generate import register as _register_generate  # noqa: E402

_register_generate(app)

from lmtask.cli_search import register as _register_search  # noqa: E402

_register_search(app)


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
