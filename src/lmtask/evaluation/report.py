"""Evaluate a classifier on labelled data: metrics, calibration, a baseline, a report folder.

:func:`evaluate` takes any object with ``labels``, ``predict(texts, progress=...)`` and
``describe()``: it never builds classifiers itself (that is :mod:`lmtask.methods`' job).

>>> from lmtask.data import LabeledData
>>> data = LabeledData(texts=["good", "bad"], labels=["positive", "negative"], source="demo")
>>> report = evaluate(clf, data)        # doctest: +SKIP
>>> report.accuracy, report.macro_f1    # doctest: +SKIP
(1.0, 1.0)
>>> report.save("runs/demo")            # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from lmtask.atomic import atomic_path
from lmtask.atomic import write_atomic as _write_atomic
from lmtask.data.readers import LabeledData, check_labels, majority_label
from lmtask.errors import InputError
from lmtask.evaluation.confusions import confusable_groups, confusions_markdown, top_confusions
from lmtask.evaluation.metrics import (
    N_BINS,
    compute_metrics,
    coverage_curve,
    expected_calibration_error,
    reliability_bins,
)
from lmtask.prediction import Prediction


@dataclass
class Report:
    """The result of :func:`evaluate`; ``save`` writes it as a folder."""

    accuracy: float
    macro_f1: float
    ece: float
    n: int
    texts_per_s: float
    wall_s: float
    labels: list[str]
    per_class: dict[str, dict[str, float]]
    confusion_matrix: dict[str, Any]
    baseline: dict[str, Any]
    classifier: dict[str, Any]
    data: dict[str, Any]
    reliability: list[dict[str, float]]
    coverage: float = 1.0
    coverage_accuracy: list[dict[str, float | None]] = field(default_factory=list)
    confusable: list[dict[str, Any]] = field(default_factory=list)
    top_confusions: list[dict[str, Any]] = field(default_factory=list)
    texts: list[str] = field(repr=False, default_factory=list)
    gold: list[str] = field(repr=False, default_factory=list)
    predictions: list[Prediction] = field(repr=False, default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        keys = (
            "accuracy", "macro_f1", "ece", "n", "texts_per_s", "wall_s", "per_class",
            "confusion_matrix", "labels", "baseline", "classifier", "data", "reliability",
            "coverage", "coverage_accuracy", "confusable", "top_confusions",
        )  # fmt: skip
        return {k: getattr(self, k) for k in keys}

    def prediction_rows(self) -> list[dict[str, Any]]:
        return [
            {"text": t, "gold": g, **p.to_dict()}
            for t, g, p in zip(self.texts, self.gold, self.predictions, strict=True)
        ]

    def to_markdown(self) -> str:
        c = self.classifier
        lines = [
            f"# Evaluation: {c.get('method', '?')} on {self.data.get('source', '?')}",
            "",
            "| metric | value |",
            "|---|---|",
            f"| accuracy | {self.accuracy:.4f} |",
            f"| macro-F1 | {self.macro_f1:.4f} |",
            f"| ECE ({N_BINS} bins) | {self.ece:.4f} |",
            f"| rows | {self.n} |",
            f"| texts/s | {self.texts_per_s:.2f} |",
            f"| wall time (s) | {self.wall_s:.2f} |",
            f"| majority baseline ({self.baseline['label']!r}) accuracy | "
            f"{self.baseline['accuracy']:.4f} |",
            f"| majority baseline macro-F1 | {self.baseline['macro_f1']:.4f} |",
            f"| coverage (rows given a label) | {self.coverage:.4f} |",
            "",
            "## Coverage versus accuracy (answer only when the top probability >= threshold)",
            "",
            "Accuracy is '-' where no row reaches the threshold.",
            "",
            "| threshold | coverage | accuracy |",
            "|---|---|---|",
            *(
                f"| {c['threshold']:.2f} | {c['coverage']:.4f} | {_maybe(c['accuracy'])} |"
                for c in self.coverage_accuracy
            ),
            "",
            "## Per class",
            "",
            "Recall is the accuracy on the rows of that label.",
            "",
            "| label | precision | recall | F1 | support |",
            "|---|---|---|---|---|",
        ]
        for lb, m in self.per_class.items():
            lines.append(
                f"| {lb} | {m['precision']:.4f} | {m['recall']:.4f} | {m['f1']:.4f} "
                f"| {m['support']} |"
            )
        cm = self.confusion_matrix
        lines += ["", "## Confusion matrix (rows: gold, columns: predicted)", ""]
        lines.append("| gold \\ predicted | " + " | ".join(cm["columns"]) + " |")
        lines.append("|---" * (len(cm["columns"]) + 1) + "|")
        for lb, row in zip(cm["rows"], cm["matrix"], strict=True):
            lines.append(f"| {lb} | " + " | ".join(map(str, row)) + " |")
        lines += confusions_markdown(self.confusable, self.top_confusions)
        lines += ["", "## Classifier", "", "```json", _dumps(self.classifier), "```"]
        lines += ["", "## Data", "", "```json", _dumps(self.data), "```", ""]
        return "\n".join(lines)

    def save(self, out_dir: str | os.PathLike[str]) -> Path:
        """Write predictions.jsonl, report.json, report.md and two PNGs (each atomically)."""
        from lmtask.evaluation import plots

        out = Path(out_dir)
        if out.exists() and not out.is_dir():
            raise InputError(f"{out} is a file; give a folder for the report")
        out.mkdir(parents=True, exist_ok=True)
        rows = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in self.prediction_rows())
        _write_atomic(out / "predictions.jsonl", rows)
        _write_atomic(out / "report.json", _dumps(self.to_dict()) + "\n")
        _write_atomic(out / "report.md", self.to_markdown())
        cm = self.confusion_matrix
        _plot_atomic(
            out / "confusion_matrix.png",
            lambda p: plots.confusion_matrix_plot(cm["matrix"], cm["rows"], cm["columns"], p),
        )
        _plot_atomic(
            out / "reliability.png",
            lambda p: plots.reliability_diagram(self.reliability, p, ece=self.ece),
        )
        _plot_atomic(out / "coverage.png", lambda p: plots.coverage_plot(self.coverage_accuracy, p))
        return out

    def rich_table(self) -> Any:
        """A rich Table: the headline metrics, then one row per class."""
        from rich.markup import escape
        from rich.table import Table

        title = escape(f"{self.classifier.get('method', '?')} on {self.data.get('source', '?')}")
        table = Table(title=title)
        for col in ("label", "precision", "recall", "F1", "support"):
            table.add_column(col, justify="left" if col == "label" else "right")
        for lb, m in self.per_class.items():
            table.add_row(
                escape(lb), f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}",
                str(m["support"]),
            )  # fmt: skip
        table.add_section()
        table.add_row("accuracy", "", "", f"{self.accuracy:.3f}", str(self.n))
        table.add_row("macro-F1", "", "", f"{self.macro_f1:.3f}", "")
        table.add_row("ECE", "", "", f"{self.ece:.3f}", "")
        table.add_row(
            escape(f"majority ({self.baseline['label']})"),
            "",
            "",
            f"{self.baseline['accuracy']:.3f}",
            "",
        )
        table.caption = f"{self.texts_per_s:.1f} texts/s, {self.wall_s:.1f} s"
        return table


def evaluate(
    classifier: Any, data: LabeledData, limit: int | None = None, progress: bool = False
) -> Report:
    """Run ``classifier`` on ``data`` (its first ``limit`` rows) and score it against the gold
    labels. Gold labels must all be labels of the classifier."""
    if limit is not None:
        if limit < 1:
            raise InputError(f"limit must be a positive whole number, not {limit!r}")
        data = data.subset(range(min(limit, len(data))))
    labels = list(classifier.labels)
    check_labels(data, labels)
    assert data.labels is not None
    if len(data) == 0:
        raise InputError(f"{data.source} has no rows to evaluate")
    start = time.perf_counter()
    preds = classifier.predict(data.texts, progress=progress)
    wall = time.perf_counter() - start
    if len(preds) != len(data):
        raise RuntimeError(f"classifier returned {len(preds)} predictions for {len(data)} texts")
    gold = list(data.labels)
    metrics = compute_metrics(labels, gold, [p.label for p in preds])
    groups = getattr(getattr(classifier, "task", None), "confusable", ()) or ()
    conf = [p.confidence for p in preds]
    correct = [p.label == g for p, g in zip(preds, gold, strict=True)]
    top = [
        max(p.scores, key=p.scores.get) if p.scores and max(p.scores.values()) > 0 else None
        for p in preds
    ]
    top_prob = [max(p.scores.values()) if p.scores else 0.0 for p in preds]
    top_ok = [t == g for t, g in zip(top, gold, strict=True)]
    maj = majority_label(labels, gold)
    base = compute_metrics(labels, gold, [maj] * len(gold))
    return Report(
        accuracy=metrics["accuracy"],
        macro_f1=metrics["macro_f1"],
        ece=expected_calibration_error(conf, correct),
        n=len(data),
        texts_per_s=len(data) / wall if wall > 0 else float("inf"),
        wall_s=wall,
        labels=labels,
        per_class=metrics["per_class"],
        confusion_matrix=metrics["confusion_matrix"],
        baseline={
            "method": "majority",
            "label": maj,
            "accuracy": base["accuracy"],
            "macro_f1": base["macro_f1"],
        },
        classifier=classifier.describe(),
        data={
            "source": data.source,
            "n": len(data),
            "text_column": data.text_column,
            "label_column": data.label_column,
            "label_counts": data.label_counts(),
            "notes": list(data.notes),
        },
        reliability=reliability_bins(conf, correct),
        coverage=float(np.mean([p.label is not None for p in preds])),
        coverage_accuracy=coverage_curve(top_prob, top_ok),
        confusable=confusable_groups(gold, [p.label for p in preds], groups),
        top_confusions=top_confusions(gold, [p.label for p in preds]),
        texts=list(data.texts),
        gold=gold,
        predictions=list(preds),
    )


def _maybe(value: float | None) -> str:
    """A metric to 4 places, or "-" where there is none (no row to measure it on)."""
    return "-" if value is None else f"{value:.4f}"


def _dumps(obj: Any) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False, default=str)


def _plot_atomic(path: Path, draw: Any) -> None:
    with atomic_path(path) as tmp:
        draw(tmp)
