"""Runs of one or several rungs on labelled data: evaluate, compare, tune (fit and save).

Each function is what one CLI command does, minus the printing: load the data, choose the
rows and the example pool, build classifiers through :mod:`lmtask.methods`' factory, and
write the outputs. Output folders are checked to be writable before any work starts.

>>> import lmtask.ladder as ladder
>>> run = ladder.evaluate_spec("tweets", "zero-shot", task="sentiment", sample=50,
...                            out="runs/tw")           # doctest: +SKIP
>>> run.report.accuracy                                   # doctest: +SKIP
0.48
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lmtask.atomic import check_writable_dir
from lmtask.data import (
    DATASETS,
    LabeledData,
    ensure_dataset,
    fingerprint,
    labels_for,
    load_data,
    read_table,
    select_rows,
    stratified_sample,
)
from lmtask.data.splits import split
from lmtask.errors import InputError
from lmtask.evaluation import Comparison, Report, compare, evaluate
from lmtask.methods import build_and_fit, check_options, needs_training, parse_specs


@dataclass
class DataArgs:
    """Where the labelled rows come from, and which of them are evaluated."""

    data: str | os.PathLike[str] | LabeledData
    text_column: str | None = None
    label_column: str | None = None
    sample: int | None = None
    seed: int = 0
    examples: str | os.PathLike[str] | None = None  # a separate labelled pool
    test_size: float = 0.2  # share evaluated when the pool comes from the data itself
    split_file: str | os.PathLike[str] | None = None  # reuse a saved split.json
    limit: int | None = None  # only the first N evaluated rows
    encoding: str = "utf-8"  # of text data files (and of the examples file)

    def load(self, sample: int | None = None) -> LabeledData:
        """The data (a fixed stratified ``sample`` of it when given); fine-foods is fetched
        first if it is not here yet (steps on stderr)."""
        if isinstance(self.data, str) and self.data in DATASETS and not Path(self.data).exists():
            ensure_dataset(self.data)
        return load_data(self.data, self.text_column, self.label_column, sample, self.seed,
                         encoding=self.encoding)  # fmt: skip


def _sample_note(d: DataArgs, n_rows: int) -> list[str]:
    """A note when ``sample`` asks for more rows than the data has (all are then used)."""
    if d.sample is not None and d.sample > n_rows:
        return [f"sample={d.sample} asked, but the data has only {n_rows} rows: all used"]
    return []


@dataclass
class EvalRun:
    """What an evaluation used and found; ``pool`` is None when no method learnt from data."""

    rows: LabeledData
    pool: LabeledData | None
    report: Report | None = None
    comparison: Comparison | None = None
    notes: list[str] = field(default_factory=list)


def _rows_and_pool(d: DataArgs, needs_examples: bool, out: Path | None) -> EvalRun:
    full = d.load()
    examples = read_table(d.examples, encoding=d.encoding) if d.examples else None
    rows, pool = select_rows(
        full, needs_examples=needs_examples, sample=d.sample, seed=d.seed, examples=examples,
        test_size=d.test_size, split_file=d.split_file,
        save_split_to=None if out is None else out / "split.json",
    )  # fmt: skip
    if needs_examples and pool is not None and not len(pool):
        if d.sample is not None and d.sample >= len(full) and examples is None:
            raise InputError(
                f"sample={d.sample} takes all {len(full)} rows of {full.source} for evaluation, "
                "leaving none to learn from: give a smaller sample, or a labelled pool"
            )
        raise InputError(
            f"no rows are left to learn from: every candidate example of {full.source} repeats "
            "an evaluated text; give a separate examples file, or more varied data"
        )
    if d.limit is not None:
        rows = rows.subset(range(min(d.limit, len(rows))))
    notes = list(rows.guessed) + list(rows.notes) + _sample_note(d, len(full))
    if pool is not None:
        notes.append(f"examples drawn from {len(pool)} rows never evaluated")
    return EvalRun(rows, pool, notes=notes)


def compare_specs(
    data: DataArgs,
    methods: list[str] | str,
    out: str | os.PathLike[str],
    *,
    task: Any = None,
    labels: Any = None,
    model: Any = None,
    dtype: str = "auto",
    options: Mapping[str, Any] | None = None,
    progress: bool = False,
) -> EvalRun:
    """Every method spec on the same rows; see :func:`lmtask.evaluation.compare`."""
    specs = parse_specs(methods)
    check_options(specs, options or {})
    out = check_writable_dir(out)
    run = _rows_and_pool(data, needs_training(specs, task), out)
    lbls = labels_for(data.load(), task, labels)

    def builder(spec: Any) -> Any:
        return lambda: build_and_fit(spec, run.pool, task=task, labels=lbls, model=model,
                                     dtype=dtype, options=options)  # fmt: skip

    run.comparison = compare(
        [(str(s) if s.options else s.name, builder(s)) for s in specs], run.rows, out, progress
    )
    return run


def evaluate_spec(
    data: DataArgs,
    method: str | None,
    out: str | os.PathLike[str],
    *,
    task: Any = None,
    labels: Any = None,
    model: Any = None,
    dtype: str = "auto",
    options: Mapping[str, Any] | None = None,
    progress: bool = False,
) -> EvalRun:
    """One method spec on the data's rows; the report folder goes to ``out``.

    ``method`` None is what ``classify`` does: a built-in task's trained detector (for
    code-language the n-grams and the LM-features head) when no labels or model are named,
    else zero-shot.
    """
    if method is None:
        from lmtask.ladder.classify import DEFAULT_METHOD, classifier_for
        from lmtask.tasks import builtin_detector

        if labels is None and model is None and builtin_detector(task) is not None:
            out = check_writable_dir(out)
            run = _rows_and_pool(data, False, out)
            clf = classifier_for(None, task=task, options=options)
            run.report = evaluate(clf, run.rows, progress=progress)
            run.report.save(out)
            return run
        method = DEFAULT_METHOD
    specs = parse_specs([method])
    check_options(specs, options or {})
    out = check_writable_dir(out)
    run = _rows_and_pool(data, needs_training(specs, task), out)
    lbls = labels_for(data.load(), task, labels)
    clf = build_and_fit(specs[0], run.pool, task=task, labels=lbls, model=model, dtype=dtype,
                        options=options)  # fmt: skip
    run.report = evaluate(clf, run.rows, progress=progress)
    run.report.save(out)
    return run


def evaluate_artifact(
    data: DataArgs, artifact: str | os.PathLike[str], out: str | os.PathLike[str],
    progress: bool = False,
) -> EvalRun:  # fmt: skip
    """A saved classifier on the data's rows; notes rows it was fit on (not held out)."""
    from lmtask.artifacts import load, read_manifest

    out = check_writable_dir(out)
    full = data.load()
    rows = stratified_sample(full, data.sample, data.seed) if data.sample is not None else full
    if data.limit is not None:
        rows = rows.subset(range(min(data.limit, len(rows))))
    clf = load(artifact)
    notes = list(full.guessed) + list(rows.notes) + _sample_note(data, len(full))
    run = EvalRun(rows, None, notes=notes)
    seen = set(read_manifest(artifact).get("data", {}).get("text_hashes", []))
    overlap = sum(text_hash(t) in seen for t in rows.texts)
    if overlap:
        run.notes.append(f"warning: {overlap} of the {len(rows)} evaluated rows were used to fit "
                         "this artifact: these numbers are not a held-out result")  # fmt: skip
    run.report = evaluate(clf, rows, progress=progress)
    run.report.save(out)
    return run


def evaluate_multilabel_spec(
    data: DataArgs,
    method: str,
    out: str | os.PathLike[str],
    *,
    sep: str = ";",
    task: Any = None,
    labels: Any = None,
    model: Any = None,
    dtype: str = "auto",
    options: Mapping[str, Any] | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """Multi-label evaluation: each row's gold labels are ``sep``-separated."""
    from lmtask.evaluation import evaluate_multilabel, save_multilabel_report
    from lmtask.methods import build

    out = check_writable_dir(out)
    rows = data.load(data.sample)
    gold = [[g.strip() for g in str(y).split(sep) if g.strip()] for y in rows.labels or []]
    every = sorted({g for row in gold for g in row})
    lbls = labels if (labels or task) else every
    clf = build(method, task=task, labels=lbls, model=model, dtype=dtype, options=options)
    res = evaluate_multilabel(clf, rows.texts, gold, progress=progress)
    save_multilabel_report(res, rows.texts, gold, rows.source, out)
    return res


def text_hash(text: str) -> str:
    """A short hash of a text, recorded in artifacts to spot evaluation on training rows."""
    return hashlib.sha1(text.encode()).hexdigest()[:12]


@dataclass
class TuneRun:
    """A fitted and saved classifier, with its held-out metrics (empty when none held out)."""

    classifier: Any
    out: Path
    metrics: dict[str, Any]
    saved: bool


def tune(
    data: DataArgs,
    method: str,
    out: str | os.PathLike[str],
    *,
    task: Any = None,
    labels: Any = None,
    model: Any = None,
    dtype: str = "auto",
    options: Mapping[str, Any] | None = None,
    resume: bool = False,
    progress: bool = False,
) -> TuneRun:
    """Fit ``method`` on the data (less a held-out ``test_size`` share, measured after) and
    save it as an artifact folder. Under ``accelerate launch`` every process trains; only the
    main one (RANK 0) evaluates and saves."""
    from lmtask.artifacts import check_artifact_folder, save

    specs = parse_specs([method])
    check_options(specs, options or {})
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(f"artifact folder {out} is a file; give a folder")
    check_writable_dir(out, "artifact folder")
    check_artifact_folder(out)  # before training, not after it
    rows = data.load()
    train, test = rows, None
    if data.test_size > 0:
        parts = split(rows, dev=0.0, test=data.test_size, seed=data.seed)
        train, test = parts.train, parts.test
        held = set(test.texts)  # a duplicate of a held-out text must not be an example
        train = train.subset([i for i, t in enumerate(train.texts) if t not in held])
        if not len(test) or not len(train):
            need = next(n for n in range(2, int(2 / data.test_size) + 10)
                        if 0 < round(n * data.test_size) < n)  # fmt: skip
            raise InputError(
                f"{rows.source} has {len(rows)} rows: too few to hold out test_size="
                f"{data.test_size} (rows kept back to measure the artifact) and still train: it "
                f"needs at least {need} distinct rows. Give more rows, or test_size=0 (no measure)"
            )
    clf = build_and_fit(specs[0], train, task=task, labels=labels_for(rows, task, labels),
                        model=model, dtype=dtype, options=options, resume=resume)  # fmt: skip
    if int(os.environ.get("RANK", "0")) != 0:
        return TuneRun(clf, out, {}, saved=False)
    metrics: dict[str, Any] = {}
    if test is not None:
        rep = evaluate(clf, test, progress=progress)
        metrics = {"accuracy": rep.accuracy, "macro_f1": rep.macro_f1, "ece": rep.ece,
                   "n": rep.n, "split_seed": data.seed, "test_size": data.test_size}  # fmt: skip
    info = {"source": rows.source, "fingerprint": fingerprint(train), "n": len(train),
            "text_hashes": [text_hash(t) for t in train.texts[:200_000]]}  # fmt: skip
    save(clf, out, metrics=metrics, data=info)
    if getattr(clf, "result", None) is not None:
        from lmtask.evaluation.plots import plot_curves

        spec = str(specs[0]) if specs[0].options else specs[0].name
        where = Path(rows.source if isinstance(data.data, LabeledData) else data.data).name
        title = f"{spec} on {where} ({len(train)} training rows)"
        plot_curves(clf.result, out / "training-curves.png", title=title)
    return TuneRun(clf, out, metrics, saved=True)


__all__ = [
    "DataArgs",
    "EvalRun",
    "TuneRun",
    "compare_specs",
    "evaluate_artifact",
    "evaluate_multilabel_spec",
    "evaluate_spec",
    "text_hash",
    "tune",
]
