"""The ``eval``, ``compare`` and ``datasets`` commands, added to the main app by ``register``.

lmtask eval tweets --task sentiment --sample 300 --seed 0 --out runs/tweets
lmtask eval reviews.csv --labels positive,negative --model smollm2-135m-instruct --out runs/r
lmtask compare bbc-news --methods zero-shot,zero-shot:generate,majority --sample 200 --out runs/c
lmtask datasets
lmtask datasets export tweets tweets.jsonl
"""

from __future__ import annotations

import importlib.metadata as md
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from lmtask.cli_common import err
from lmtask.cli_common import fail as _fail
from lmtask.errors import InputError, LmtaskError

EXAMPLE_METHODS = "zero-shot,zero-shot:calibrate,few-shot:shots=4,few-shot:select=nearest,majority"

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
ShotsOpt = Annotated[int, typer.Option(min=0, help="Few-shot: examples per prompt.")]
SelectOpt = Annotated[str, typer.Option(help="Few-shot: random, balanced or nearest.")]
OrderOpt = Annotated[str, typer.Option(help="Few-shot: fixed or shuffle (by --seed).")]
CalibrateOpt = Annotated[bool, typer.Option(help="Contextual calibration (prompt methods).")]
MinConfOpt = Annotated[
    float, typer.Option(min=0.0, max=1.0, help="Abstain ('unknown') below this probability.")
]
ExamplesOpt = Annotated[
    str | None, typer.Option(help="Labelled file to draw few-shot examples from.")
]
TestSizeOpt = Annotated[
    float,
    typer.Option(help="Share of rows evaluated when examples come from the data itself."),
]
SplitOpt = Annotated[
    str | None,
    typer.Option("--split", help="Reuse a saved split.json (train rows give the examples)."),
]
DataArg = Annotated[
    str, typer.Argument(help="A data file (csv, tsv, jsonl, parquet) or a packaged dataset.")
]


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
    """The labels to classify into: given ones, the task's, or every label of the data (all
    rows, not only the evaluated sample, so a rare class is never dropped)."""
    if task is None and labels is None:
        return sorted(set(data.labels))
    return labels


def _all_labels(data: str, text_column: str | None, label_column: str | None) -> Any:
    return load_data(data, text_column, label_column, None, 0)


def parse_method(spec: str) -> tuple[str, dict[str, Any]]:
    """``"few-shot:shots=8:select=nearest:calibrate"`` -> ("few-shot", {options}).

    Modifiers after the name, separated by ``:``: ``score``/``generate`` (mode),
    ``calibrate``, or ``key=value`` for any option of the method's config.
    """
    name, *mods = [x.strip() for x in spec.split(":")]
    opts: dict[str, Any] = {}
    for m in mods:
        if m in ("score", "generate"):
            opts["mode"] = m
        elif m == "calibrate":
            opts["calibrate"] = True
        elif "=" in m:
            k, v = m.split("=", 1)
            opts[k.strip().replace("-", "_")] = _value(v.strip())
        elif m:
            raise InputError(f"cannot read {m!r} in method {spec!r}: use name:key=value:...")
    return name, opts


def _value(v: str) -> Any:
    for conv in (int, float):
        try:
            return conv(v)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(v.lower(), v)


def check_methods(methods: list[str]) -> None:
    """Reject unknown method names (and unreadable specs) before any work starts."""
    from lmtask.methods import list_methods

    known = ["majority", *list_methods()]
    bad = [m for m in methods if parse_method(m)[0] not in known]
    if bad:
        raise InputError(
            f"unknown method(s) {', '.join(map(repr, bad))}; available: {', '.join(known)}"
        )
    if not methods:
        raise InputError(f"give at least one method with --methods; available: {', '.join(known)}")


def needs_training(methods: list[str]) -> bool:
    from lmtask.methods import get_method

    return any(
        getattr(get_method(n), "needs_training_data", False)
        for n, _ in map(parse_method, methods)
        if n != "majority"
    )


def build_classifier(
    method: str,
    data: Any,
    task: str | None,
    labels: Any,
    model: str | None,
    options: dict[str, Any],
    pool: Any = None,
    resume: bool = False,
) -> Any:
    """The classifier for a method spec; methods that learn from data are fit on ``pool``.

    ``resume``: a training method continues from the last checkpoint in its ``output_dir``.
    """
    import dataclasses

    from lmtask.evaluation import Majority
    from lmtask.methods import get_method

    name, mods = parse_method(method)
    if name == "majority":
        if data is None or data.labels is None:
            raise InputError("majority needs labelled data: use it with eval or compare")
        return Majority(task, data.labels, labels=labels)
    cls = get_method(name)
    from lmtask.methods.prompt_base import PromptClassifier

    if isinstance(cls, type) and issubclass(cls, PromptClassifier):
        opts = {**options, **mods}
    else:  # the prompt options (mode, shots, ...) are not theirs: only spec options count
        shared = {k: options[k] for k in ("dtype", "batch_size", "seed") if k in options}
        opts = {**shared, **mods}
    config_class = getattr(cls, "config_class", None)
    if config_class is None and name == "multi-label":
        from lmtask.methods.multi_label import MultiLabelConfig

        config_class = MultiLabelConfig
    if config_class is not None:
        fields = {f.name: f for f in dataclasses.fields(config_class)}
        unknown = sorted(k for k in mods if k not in fields)
        if unknown:
            raise InputError(f"{name} has no option(s) {unknown}; options: {sorted(fields)}")
        dtype = opts.pop("dtype", "auto")
        kw = {k: _coerce(name, k, v, fields[k]) for k, v in opts.items() if k in fields}
        clf = cls(task=task, labels=labels, model=model, dtype=dtype, **kw)
    else:
        if mods:
            raise InputError(f"{name} takes no options, got {sorted(mods)}")
        clf = cls(task=task, labels=labels, model=model)
    if resume:
        import inspect

        fit = getattr(clf, "fit", None)
        if fit is None or "resume" not in inspect.signature(fit).parameters:
            raise InputError(f"{name} does not train in steps: --resume is for finetune, "
                             "lora, prompt-tuning, prefix-tuning and lora-lm")  # fmt: skip
        if not getattr(getattr(clf, "config", None), "output_dir", None):
            raise InputError(f"--resume needs a checkpoint folder: {name}:output_dir=DIR")
    if getattr(clf, "needs_training_data", False):
        if pool is None or not len(pool):
            raise InputError(f"{name} needs labelled examples: give --examples FILE")
        if pool.labels is None:
            raise InputError(f"{pool.source} has no labels: give a file with a label column")
        import time

        t0 = time.perf_counter()
        if resume:
            clf.fit(pool.texts, pool.labels, resume=True)
        else:
            clf.fit(pool.texts, pool.labels)
        clf.train_seconds = time.perf_counter() - t0
    return clf


def _coerce(method: str, key: str, value: Any, f: Any) -> Any:
    """Check an option value against its config field's type (and basic ranges)."""
    kind = str(f.type)
    try:
        if "bool" in kind:
            if isinstance(value, str):
                raise ValueError
            value = bool(value)
        elif "int" in kind and "float" not in kind:
            if isinstance(value, bool) or not float(value).is_integer():
                raise ValueError
            value = int(value)
        elif "float" in kind:
            value = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{method}: option {key}={value!r} must be of type {kind}") from None
    if key in ("batch_size", "max_new_tokens", "max_reasoning_tokens") and value < 1:
        raise InputError(f"{method}: option {key} must be at least 1, not {value}")
    if key in ("min_confidence", "threshold") and not 0 <= value <= 1:
        raise InputError(f"{method}: option {key} must lie in [0, 1], not {value}")
    return value


def eval_rows_and_pool(
    data: str,
    methods: list[str],
    text_column: str | None,
    label_column: str | None,
    sample: int | None,
    seed: int,
    examples: str | None,
    test_size: float,
    split_file: str | None = None,
    save_split_to: Path | None = None,
) -> tuple[Any, Any]:
    """The rows to evaluate and, for methods that need examples, the pool they come from.

    The pool never holds an evaluated row (nor a text identical to one): it is ``--examples``,
    or the rest of the data outside ``--sample``, or the train part of a seeded split.
    """
    from lmtask.data import load_split, read_table, save_split, split

    rows = load_data(data, text_column, label_column, None, seed)
    if examples:
        pool = read_table(examples)
        full = rows
    elif not needs_training(methods):
        return load_data(data, text_column, label_column, sample, seed), None
    else:
        full, pool = rows, None
    if sample is not None:
        rows = load_data(data, text_column, label_column, sample, seed)
    elif pool is None:
        if not 0 < test_size < 1:
            raise InputError(
                f"--test-size must be between 0 and 1 (exclusive) when examples come from the "
                f"data itself, not {test_size}"
            )
        if split_file:  # reuse a saved split (refused if the data changed)
            parts = load_split(split_file, full)
        else:
            parts = split(full, dev=0.0, test=test_size, seed=seed)
        if save_split_to is not None:
            save_split(parts, save_split_to)
        rows, pool = parts.test, parts.train
    if pool is None:
        pool = full
    held = set(rows.texts)
    keep = [i for i, t in enumerate(pool.texts) if t not in held]
    return rows, pool.subset(keep)


def _eval(
    data: DataArg,
    task: TaskOpt = None,
    labels: LabelsOpt = None,
    model: ModelOpt = None,
    method: Annotated[
        str, typer.Option(help="A method, e.g. zero-shot, few-shot, few-shot:select=nearest.")
    ] = "zero-shot",
    mode: ModeOpt = "score",
    shots: ShotsOpt = 4,
    select: SelectOpt = "balanced",
    order: OrderOpt = "fixed",
    calibrate: CalibrateOpt = False,
    min_confidence: MinConfOpt = 0.0,
    examples: ExamplesOpt = None,
    test_size: TestSizeOpt = 0.2,
    split_file: SplitOpt = None,
    limit: LimitOpt = None,
    sample: SampleOpt = None,
    seed: SeedOpt = 0,
    text_column: TextColOpt = None,
    label_column: LabelColOpt = None,
    batch_size: BatchOpt = 8,
    dtype: DtypeOpt = "auto",
    out: OutOpt = Path("lmtask-eval"),
    artifact: Annotated[
        str | None, typer.Option(help="Evaluate a saved classifier (lmtask tune) instead.")
    ] = None,
    label_sep: Annotated[
        str, typer.Option(help="Multi-label data: separator between a row's labels.")
    ] = ";",
) -> None:
    """Evaluate a classifier on labelled data; write a report folder to --out."""
    from lmtask.evaluation import evaluate

    if parse_method(method)[0] == "multi-label" and not artifact:
        return _eval_multilabel(data, task, labels, model, method, label_sep, sample, seed,
                                text_column, label_column, batch_size, dtype, out)  # fmt: skip

    opts = dict(mode=mode, shots=shots, select=select, order=order, seed=seed,
                calibrate=calibrate, min_confidence=min_confidence, batch_size=batch_size,
                dtype=dtype)  # fmt: skip
    try:
        if artifact:
            from lmtask.artifacts import load

            rows, pool = load_data(data, text_column, label_column, sample, seed), None
            clf = load(artifact)
            seen = set(load_manifest_data(artifact))
            overlap = sum(_text_hash(t) in seen for t in rows.texts)
            if overlap:
                err.print(
                    f"[yellow]warning:[/] {overlap} of the {len(rows)} evaluated rows were used "
                    "to fit this artifact: these numbers are not a held-out result"
                )
        else:
            check_methods([method])
            rows, pool = eval_rows_and_pool(
                data, [method], text_column, label_column, sample, seed, examples, test_size,
                split_file, out / "split.json",
            )  # fmt: skip
            lbls = _labels_for(_all_labels(data, text_column, label_column), task, labels)
            clf = build_classifier(method, rows, task, lbls, model, opts, pool)
        report = evaluate(clf, rows, limit=limit, progress=err.is_terminal)
        report.save(out)
    except LmtaskError as e:
        _fail(str(e))
    for line in rows.guessed + rows.notes:
        err.print(f"[dim]note:[/] {line}", highlight=False)
    if pool is not None:
        err.print(f"[dim]note:[/] examples drawn from {len(pool)} rows never evaluated")
    Console().print(report.rich_table())
    Console().print(f"report written to {out}")


def _eval_multilabel(
    data: str, task: str | None, labels: str | None, model: str | None, method: str,
    sep: str, sample: int | None, seed: int, text_column: str | None,
    label_column: str | None, batch_size: int, dtype: str, out: Path,
) -> None:  # fmt: skip
    """Multi-label evaluation: each row's gold labels are ``sep``-separated."""
    import json

    from lmtask.evaluation import _dumps, _write_atomic, evaluate_multilabel

    try:
        rows = load_data(data, text_column, label_column, sample, seed)
        gold = [[g.strip() for g in str(y).split(sep) if g.strip()] for y in rows.labels]
        every = sorted({g for row in gold for g in row})
        lbls = labels if (labels or task) else every
        opts = {"batch_size": batch_size, "dtype": dtype}
        clf = build_classifier(method, rows, task, lbls, model, opts)
        res = evaluate_multilabel(clf, rows.texts, gold, progress=err.is_terminal)
        if out.exists() and not out.is_dir():
            raise InputError(f"--out {out} is a file; give a folder for the report")
        out.mkdir(parents=True, exist_ok=True)
        _write_atomic(out / "report.json", _dumps(res) + "\n")
        lines = [
            f"# Multi-label evaluation on {rows.source}",
            "",
            "| metric | value |",
            "|---|---|",
            f"| subset accuracy | {res['subset_accuracy']:.4f} |",
            f"| micro-F1 | {res['micro_f1']:.4f} |",
            f"| macro-F1 | {res['macro_f1']:.4f} |",
            f"| rows | {res['n']} |",
            "",
            "| label | precision | recall | F1 | support |",
            "|---|---|---|---|---|",
        ]
        for lb, m in res["per_label"].items():
            lines.append(f"| {lb} | {m['precision']:.4f} | {m['recall']:.4f} | {m['f1']:.4f} "
                         f"| {m['support']} |")  # fmt: skip
        _write_atomic(out / "report.md", "\n".join(lines) + "\n")
        pred_rows = [
            json.dumps({"text": t, "gold": g, "labels": p}, ensure_ascii=False)
            for t, g, p in zip(rows.texts, gold, res["predicted"], strict=True)
        ]
        _write_atomic(out / "predictions.jsonl", "\n".join(pred_rows) + "\n")
    except LmtaskError as e:
        _fail(str(e))
    Console().print(
        f"subset accuracy {res['subset_accuracy']:.3f}, micro-F1 {res['micro_f1']:.3f}, "
        f"macro-F1 {res['macro_f1']:.3f} on {res['n']} rows; report written to {out}"
    )


def load_manifest_data(artifact: str) -> list[str]:
    """Short hashes of the texts an artifact was fit on (empty if it did not record them)."""
    from lmtask.artifacts import read_manifest

    return read_manifest(artifact).get("data", {}).get("text_hashes", [])


def _text_hash(text: str) -> str:
    import hashlib

    return hashlib.sha1(text.encode()).hexdigest()[:12]


def _fingerprint(rows: Any) -> str:
    from lmtask.data import fingerprint

    return fingerprint(rows)


def _tune(
    data: DataArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Artifact folder to write.")],
    task: TaskOpt = None,
    labels: LabelsOpt = None,
    model: ModelOpt = None,
    method: Annotated[str, typer.Option(help="few-shot, zero-shot, ... (name:key=value).")] = (
        "few-shot"
    ),
    mode: ModeOpt = "score",
    shots: ShotsOpt = 4,
    select: SelectOpt = "balanced",
    order: OrderOpt = "fixed",
    calibrate: CalibrateOpt = False,
    min_confidence: MinConfOpt = 0.0,
    test_size: Annotated[
        float, typer.Option(help="Share of rows held out to measure the artifact (0: none).")
    ] = 0.2,
    seed: SeedOpt = 0,
    text_column: TextColOpt = None,
    label_column: LabelColOpt = None,
    batch_size: BatchOpt = 8,
    dtype: DtypeOpt = "auto",
    resume: Annotated[
        bool,
        typer.Option(
            help="Continue training from the last checkpoint in the method's "
            "output_dir (e.g. --method finetune:output_dir=ckpt)."
        ),
    ] = False,
) -> None:
    """Fit a method on labelled data and save it as an artifact folder (lmtask predict).

    Under ``accelerate launch`` (several processes) every process trains; only the main
    one evaluates and writes the artifact.
    """
    from lmtask.artifacts import save
    from lmtask.data import split
    from lmtask.evaluation import evaluate

    opts = dict(mode=mode, shots=shots, select=select, order=order, seed=seed,
                calibrate=calibrate, min_confidence=min_confidence, batch_size=batch_size,
                dtype=dtype)  # fmt: skip
    try:
        check_methods([method])
        rows = load_data(data, text_column, label_column, None, seed)
        train, test = rows, None
        if test_size > 0:
            parts = split(rows, dev=0.0, test=test_size, seed=seed)
            train, test = parts.train, parts.test
            held = set(test.texts)  # a duplicate of a held-out text must not be an example
            train = train.subset([i for i, t in enumerate(train.texts) if t not in held])
        lbls = _labels_for(rows, task, labels)
        clf = build_classifier(method, train, task, lbls, model, opts, train, resume=resume)
        if int(os.environ.get("RANK", "0")) != 0:
            return  # a worker process of a distributed run: the main process saves
        metrics = {}
        if test is not None:
            rep = evaluate(clf, test, progress=err.is_terminal)
            metrics = {"accuracy": rep.accuracy, "macro_f1": rep.macro_f1, "ece": rep.ece,
                       "n": rep.n, "split_seed": seed, "test_size": test_size}  # fmt: skip
        info = {"source": rows.source, "fingerprint": _fingerprint(train), "n": len(train),
                "text_hashes": [_text_hash(t) for t in train.texts[:200_000]]}  # fmt: skip
        save(clf, out, metrics=metrics, data=info)
        if getattr(clf, "result", None) is not None:
            from lmtask.training import plot_curves

            plot_curves(clf.result, out / "training-curves.png")
    except LmtaskError as e:
        _fail(str(e))
    if metrics:
        Console().print(
            f"held-out accuracy {metrics['accuracy']:.3f}, macro-F1 {metrics['macro_f1']:.3f} "
            f"on {metrics['n']} rows"
        )
    Console().print(f"artifact written to {out}; use: lmtask predict {out} TEXT...")


def _compare(
    data: DataArg,
    methods: Annotated[
        str, typer.Option(help=f"Comma-separated method specs, e.g. {EXAMPLE_METHODS}.")
    ] = "zero-shot,majority",
    task: TaskOpt = None,
    labels: LabelsOpt = None,
    model: ModelOpt = None,
    mode: ModeOpt = "score",
    shots: ShotsOpt = 4,
    select: SelectOpt = "balanced",
    order: OrderOpt = "fixed",
    calibrate: CalibrateOpt = False,
    min_confidence: MinConfOpt = 0.0,
    examples: ExamplesOpt = None,
    test_size: TestSizeOpt = 0.2,
    split_file: SplitOpt = None,
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
    opts = dict(mode=mode, shots=shots, select=select, order=order, seed=seed,
                calibrate=calibrate, min_confidence=min_confidence, batch_size=batch_size,
                dtype=dtype)  # fmt: skip
    try:
        check_methods(names)
        rows, pool = eval_rows_and_pool(
            data, names, text_column, label_column, sample, seed, examples, test_size,
            split_file, out / "split.json",
        )  # fmt: skip
        if limit is not None:
            rows = rows.subset(range(min(limit, len(rows))))
        lbls = _labels_for(_all_labels(data, text_column, label_column), task, labels)
        out.mkdir(parents=True, exist_ok=True)
        for name in names:
            clf = build_classifier(name, rows, task, lbls, model, opts, pool)
            report = evaluate(clf, rows, progress=err.is_terminal)
            sub = out / "".join(c if c.isalnum() or c in "-_." else "-" for c in name)
            report.save(sub)
            results.append(
                {
                    "method": name,
                    "accuracy": report.accuracy,
                    "macro_f1": report.macro_f1,
                    "ece": report.ece,
                    "texts_per_s": report.texts_per_s,
                    "wall_s": report.wall_s,
                    "train_s": getattr(clf, "train_seconds", None),
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
    for col in ("method", "accuracy", "macro-F1", "ECE", "texts/s", "training s"):
        table.add_column(col, justify="left" if col == "method" else "right")
    for r in results:
        table.add_row(
            r["method"],
            f"{r['accuracy']:.3f}",
            f"{r['macro_f1']:.3f}",
            f"{r['ece']:.3f}",
            f"{r['texts_per_s']:.1f}",
            "-" if r["train_s"] is None else f"{r['train_s']:.1f}",
        )
    Console().print(table)
    Console().print(f"comparison written to {out}")


def _compare_md(doc: dict[str, Any]) -> str:
    lines = [
        f"# Comparison on {doc['n']} rows of {doc['data']}",
        "",
        "| method | accuracy | macro-F1 | ECE | texts/s | training s | report |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in doc["methods"]:
        train = "-" if r.get("train_s") is None else f"{r['train_s']:.1f}"
        lines.append(
            f"| {r['method']} | {r['accuracy']:.4f} | {r['macro_f1']:.4f} | {r['ece']:.4f} "
            f"| {r['texts_per_s']:.2f} | {train} | [{r['report']}]({r['report']}/report.md) |"
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
    app.command("tune")(_tune)
    app.add_typer(datasets_app, name="datasets")


__all__ = ["build_classifier", "check_methods", "datasets_app", "load_data", "register"]
