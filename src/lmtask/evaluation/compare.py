"""Compare several classifiers on the same rows: one table, ``compare.json``/``.md``/``.png``.

:func:`compare` takes ``(name, build)`` pairs, where ``build()`` returns a classifier (any
object :func:`~lmtask.evaluation.evaluate` accepts), so it never builds classifiers itself;
:func:`lmtask.ladder.compare_specs` feeds it method specs through the factory.

>>> compare([("zero-shot", lambda: clf)], rows, "runs/c")   # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lmtask.atomic import atomic_path, write_atomic
from lmtask.errors import InputError
from lmtask.evaluation.report import evaluate


@dataclass
class Comparison:
    """What :func:`compare` measured: one row per method, and where it was written."""

    data: str
    n: int
    labels: list[str]
    methods: list[dict[str, Any]]
    out: Path

    def to_dict(self) -> dict[str, Any]:
        return {"data": self.data, "n": self.n, "labels": self.labels, "methods": self.methods}

    def to_markdown(self) -> str:
        lines = [
            f"# Comparison on {self.n} rows of {self.data}",
            "",
            "| method | accuracy | macro-F1 | ECE | texts/s | training s | report |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in self.methods:
            train = "-" if r.get("train_s") is None else f"{r['train_s']:.1f}"
            lines.append(
                f"| {r['method']} | {r['accuracy']:.4f} | {r['macro_f1']:.4f} | {r['ece']:.4f} "
                f"| {r['texts_per_s']:.2f} | {train} | [{r['report']}]({r['report']}/report.md) |"
            )
        return "\n".join(lines) + "\n"

    def rich_table(self) -> Any:
        from rich.markup import escape
        from rich.table import Table

        table = Table(title=escape(f"{self.n} rows of {self.data}"))
        for col in ("method", "accuracy", "macro-F1", "ECE", "texts/s", "training s"):
            table.add_column(col, justify="left" if col == "method" else "right")
        for r in self.methods:
            table.add_row(
                escape(r["method"]),
                f"{r['accuracy']:.3f}",
                f"{r['macro_f1']:.3f}",
                f"{r['ece']:.3f}",
                f"{r['texts_per_s']:.1f}",
                "-" if r["train_s"] is None else f"{r['train_s']:.1f}",
            )
        return table


def _folder_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in name)


def result_row(name: str, report: Any, classifier: Any, out: Path) -> dict[str, Any]:
    """One method's line of a comparison; its report folder is ``out / name``."""
    sub = out / _folder_name(name)
    report.save(sub)
    return {
        "method": name,
        "accuracy": report.accuracy,
        "macro_f1": report.macro_f1,
        "ece": report.ece,
        "texts_per_s": report.texts_per_s,
        "wall_s": report.wall_s,
        "train_s": getattr(classifier, "train_seconds", None),
        "report": str(sub.relative_to(out)),
        "classifier": report.classifier,
    }


def save_comparison(result: Comparison) -> Comparison:
    """Write ``compare.json``, ``compare.md`` and ``compare.png`` into ``result.out``."""
    from lmtask.evaluation.plots import compare_bar_chart

    doc = json.dumps(result.to_dict(), indent=2, ensure_ascii=False, default=str)
    write_atomic(result.out / "compare.json", doc + "\n")
    write_atomic(result.out / "compare.md", result.to_markdown())
    with atomic_path(result.out / "compare.png") as tmp:
        compare_bar_chart(result.methods, tmp)
    return result


def compare(
    builders: Iterable[tuple[str, Callable[[], Any]]],
    rows: Any,
    out: str | Path,
    progress: bool = False,
) -> Comparison:
    """Build and evaluate each classifier on ``rows``; each report goes in a subfolder of
    ``out``, the side-by-side table in ``compare.json``, ``compare.md`` and ``compare.png``."""
    out = Path(out)
    builders = list(builders)
    seen: dict[str, str] = {}
    for name, _ in builders:  # each report has its folder: a second one would overwrite it
        if (folder := _folder_name(name)) in seen:
            raise InputError(f"methods {seen[folder]!r} and {name!r} would share the report "
                             f"folder {folder!r}: name each method once")  # fmt: skip
        seen[folder] = name
    out.mkdir(parents=True, exist_ok=True)
    results: list[dict[str, Any]] = []
    labels: list[str] = []
    for name, build in builders:
        clf = build()
        report = evaluate(clf, rows, progress=progress)
        labels = report.labels
        results.append(result_row(name, report, clf, out))
    return save_comparison(Comparison(rows.source, len(rows), labels, results, out))


__all__ = ["Comparison", "compare", "result_row", "save_comparison"]
