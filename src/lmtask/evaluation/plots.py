"""PNG plots for evaluation reports (matplotlib, Agg backend, imported only when drawing).

>>> confusion_matrix_plot([[3, 1], [0, 4]], ["a", "b"], ["a", "b"], "cm.png")  # doctest: +SKIP
>>> compare_bar_chart(
...     [{"method": "zero-shot", "accuracy": 0.8, "macro_f1": 0.7}], "compare.png"
... )  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lmtask.errors import LmtaskError

PathLike = str | os.PathLike[str]


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError as e:
        raise LmtaskError(
            "plots need the 'matplotlib' package, which is not installed: run "
            "`pip install matplotlib`"
        ) from e
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def confusion_matrix_plot(
    matrix: Sequence[Sequence[int]], rows: Sequence[str], columns: Sequence[str], path: PathLike
) -> None:
    """Heatmap of counts (rows: gold, columns: predicted), each cell annotated."""
    import numpy as np

    plt = _pyplot()
    m = np.asarray(matrix, dtype=int).reshape(len(rows), len(columns))
    size = max(4.0, 0.6 * max(len(rows), len(columns)) + 2.5)
    fig, ax = plt.subplots(figsize=(size + 1, size))
    try:
        im = ax.imshow(m, cmap="Blues", aspect="auto")
        fig.colorbar(im, ax=ax)
        ax.set_xticks(range(len(columns)), [str(c) for c in columns], rotation=45, ha="right")
        ax.set_yticks(range(len(rows)), [str(r) for r in rows])
        ax.set_xlabel("predicted")
        ax.set_ylabel("gold")
        ax.set_title("Confusion matrix")
        top = m.max() if m.size else 0
        for i in range(m.shape[0]):
            for j in range(m.shape[1]):
                color = "white" if top and m[i, j] > top / 2 else "black"
                ax.text(j, i, str(m[i, j]), ha="center", va="center", color=color)
        fig.tight_layout()
        fig.savefig(path, format="png", dpi=100)
    finally:
        plt.close(fig)


def reliability_diagram(
    bins: Sequence[dict[str, float]], path: PathLike, ece: float | None = None
) -> None:
    """Accuracy per confidence bin against the diagonal, with each bin's count."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 5))
    try:
        ax.plot([0, 1], [0, 1], linestyle="--", color="gray", label="perfect calibration")
        for b in bins:
            if not b["count"]:
                continue
            width = b["hi"] - b["lo"]
            ax.bar(b["lo"], b["accuracy"], width=width, align="edge", color="tab:blue",
                   edgecolor="black", alpha=0.8)  # fmt: skip
            ax.text(b["lo"] + width / 2, min(b["accuracy"], 0.93) + 0.02, str(b["count"]),
                    ha="center", fontsize=7)  # fmt: skip
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.05)
        ax.set_xlabel("confidence (top label)")
        ax.set_ylabel("accuracy")
        title = "Reliability diagram (bar labels: rows per bin)"
        if ece is not None:
            title += f"\nECE = {ece:.3f}"
        ax.set_title(title, fontsize=10)
        ax.legend(loc="upper left")
        fig.tight_layout()
        fig.savefig(path, format="png", dpi=100)
    finally:
        plt.close(fig)


def compare_bar_chart(rows: Sequence[dict[str, Any]], path: PathLike) -> None:
    """Grouped bars of accuracy and macro-F1 per method (``rows``: dicts with ``method``,
    ``accuracy`` and ``macro_f1``)."""
    import numpy as np

    plt = _pyplot()
    names = [str(r["method"]) for r in rows]
    x = np.arange(len(rows))
    fig, ax = plt.subplots(figsize=(max(5.0, 1.4 * len(rows) + 2), 4.5))
    try:
        for k, (key, label) in enumerate((("accuracy", "accuracy"), ("macro_f1", "macro-F1"))):
            vals = [float(r[key]) for r in rows]
            bars = ax.bar(x + (k - 0.5) * 0.38, vals, width=0.38, label=label)
            for bar, v in zip(bars, vals, strict=True):
                ax.text(bar.get_x() + bar.get_width() / 2, v + 0.01, f"{v:.2f}",
                        ha="center", fontsize=8)  # fmt: skip
        ax.set_xticks(x, names, rotation=20, ha="right")
        ax.set_ylim(0, 1.1)
        ax.set_ylabel("score")
        ax.set_title("Methods compared")
        ax.legend()
        fig.tight_layout()
        fig.savefig(path, format="png", dpi=100)
    finally:
        plt.close(fig)


def coverage_plot(curve: Sequence[dict[str, float]], path: PathLike) -> None:
    """Accuracy and coverage against the abstention threshold."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 4))
    t = [c["threshold"] for c in curve]
    ax.plot(t, [c["accuracy"] for c in curve], marker="o", label="accuracy on answered rows")
    ax.plot(t, [c["coverage"] for c in curve], marker="s", label="coverage (share answered)")
    ax.set_xlabel("minimum confidence to answer")
    ax.set_ylim(0, 1.02)
    ax.set_title("Abstention: coverage versus accuracy")
    ax.legend(loc="lower left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100, format="png")
    plt.close(fig)


def plot_curves(history: Any, path: str | os.PathLike[str]) -> Path:
    """Write training loss (per logging step) and dev accuracy (per evaluation) to a PNG.

    ``history``: a training result (anything with ``.history``) or its list of log dicts.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    hist = list(getattr(history, "history", history))
    loss = [(h["step"], h["loss"]) for h in hist if "loss" in h]
    acc = [(h.get("epoch", 0.0), h["eval_accuracy"]) for h in hist if "eval_accuracy" in h]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.5))
    if loss:
        a1.plot(*zip(*loss, strict=True), marker=".")
    a1.set(title="training loss", xlabel="step", ylabel="loss")
    if acc:
        a2.plot(*zip(*acc, strict=True), marker="o", color="tab:green")
    a2.set(title="dev accuracy", xlabel="epoch", ylabel="accuracy", ylim=(0, 1.02))
    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    from lmtask.atomic import atomic_path

    with atomic_path(out) as tmp:
        fig.savefig(tmp, dpi=100, format="png")
    plt.close(fig)
    return out
