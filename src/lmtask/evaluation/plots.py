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
) -> Any:
    """Heatmap of counts (rows: gold, columns: predicted), each cell annotated; column
    names are turned only when they are too long to stand side by side. Returns the figure."""
    import numpy as np

    plt = _pyplot()
    m = np.asarray(matrix, dtype=int).reshape(len(rows), len(columns))
    size = max(4.0, 0.6 * max(len(rows), len(columns)) + 2.5)
    fig, ax = plt.subplots(figsize=(size + 1, size))
    try:
        im = ax.imshow(m, cmap="Blues", aspect="auto")
        fig.colorbar(im, ax=ax)
        names = [str(c) for c in columns]
        fits = 11 * (size - 1.5) / max(1, len(names))  # characters a column's width holds
        turn = max(map(len, names), default=0) > fits
        ax.set_xticks(range(len(names)), names, rotation=45 if turn else 0,
                      ha="right" if turn else "center")  # fmt: skip
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
    return fig


def reliability_diagram(
    bins: Sequence[dict[str, float]], path: PathLike, ece: float | None = None
) -> Any:
    """Accuracy per confidence bin against the diagonal; below it, a panel of rows per bin
    with each count written above its bar (clear of the bars and the legend)."""
    plt = _pyplot()
    fig, (ax, ax_n) = plt.subplots(
        2, 1, figsize=(5.5, 6), sharex=True, gridspec_kw={"height_ratios": [3, 1]}
    )
    try:
        ax.plot([0, 1], [0, 1], linestyle="--", color="gray", label="perfect calibration")
        shown = [b for b in bins if b["count"]]
        for b in shown:
            width = b["hi"] - b["lo"]
            ax.bar(b["lo"], b["accuracy"], width=width, align="edge", color="tab:blue",
                   edgecolor="black", alpha=0.8)  # fmt: skip
            ax_n.bar(b["lo"], b["count"], width=width, align="edge", color="tab:gray",
                     edgecolor="black")  # fmt: skip
            ax_n.text(b["lo"] + width / 2, b["count"], str(int(b["count"])), ha="center",
                      va="bottom", fontsize=9)  # fmt: skip
        top = max((b["count"] for b in shown), default=1)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.05)
        ax.set_ylabel("accuracy")
        title = "Reliability diagram"
        if ece is not None:
            title += f" (ECE = {ece:.3f})"
        ax.set_title(title)
        ax.legend(loc="upper left")
        ax_n.set_ylim(0, top * 1.35)
        ax_n.set_ylabel("rows")
        ax_n.set_xlabel("confidence (top label)")
        fig.tight_layout()
        fig.savefig(path, format="png", dpi=100)
    finally:
        plt.close(fig)
    return fig


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


def coverage_plot(curve: Sequence[dict[str, Any]], path: PathLike) -> Any:
    """Accuracy and coverage against the abstention threshold. Accuracy is left out where no
    row is answered (coverage 0): there is nothing to measure. Returns the figure."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 4))
    try:
        t = [c["threshold"] for c in curve]
        answered = [c for c in curve if c["coverage"] > 0 and c["accuracy"] is not None]
        ax.plot([c["threshold"] for c in answered], [c["accuracy"] for c in answered],
                marker="o", label="accuracy on answered rows")  # fmt: skip
        ax.plot(t, [c["coverage"] for c in curve], marker="s", label="coverage (share answered)")
        ax.set_xlabel("minimum confidence to answer")
        ax.set_ylabel("share of rows")
        ax.set_ylim(0, 1.02)
        ax.set_title("Abstention: coverage versus accuracy")
        ax.legend(loc="lower left")
        ax.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(path, dpi=100, format="png")
    finally:
        plt.close(fig)
    return fig


def curves_figure(history: Any, title: str | None = None) -> Any:
    """The figure of :func:`plot_curves`: training loss per logged step, dev accuracy per
    evaluation (each value written next to its point on a short run), a title."""
    from matplotlib.ticker import MaxNLocator

    plt = _pyplot()
    hist = list(getattr(history, "history", history))
    loss = [(h["step"], h["loss"]) for h in hist if "loss" in h]
    acc = [(h.get("epoch", 0.0), h["eval_accuracy"]) for h in hist if "eval_accuracy" in h]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.8))
    if loss:
        a1.plot(*zip(*loss, strict=True), marker=".")
        a1.set_xlim(0, max(s for s, _ in loss) * 1.05)
    else:
        final = [h["train_loss"] for h in hist if "train_loss" in h]
        why = "no loss was logged during training"
        if final:
            why += f"\n(mean training loss {final[-1]:.3f})"
        a1.text(0.5, 0.5, why, ha="center", va="center", transform=a1.transAxes)
    a1.xaxis.set_major_locator(MaxNLocator(integer=True))
    a1.set(title="training loss", xlabel="step", ylabel="loss")
    if acc:
        a2.plot(*zip(*acc, strict=True), marker="o", color="tab:green")
        if len(acc) <= 10:
            for x, y in acc:
                a2.annotate(f"{y:.3f}", (x, y), textcoords="offset points", xytext=(0, 7),
                            ha="center", fontsize=9)  # fmt: skip
        a2.set_xlim(0, max(e for e, _ in acc) * 1.1 or 1)
    else:
        a2.text(0.5, 0.5, "no dev evaluation", ha="center", va="center", transform=a2.transAxes)
    a2.set(title="dev accuracy", xlabel="epoch", ylabel="accuracy", ylim=(0, 1.08))
    fig.suptitle(title or "Training curves")
    fig.tight_layout()
    return fig


def plot_curves(history: Any, path: str | os.PathLike[str], title: str | None = None) -> Path:
    """Write training loss (per logging step) and dev accuracy (per evaluation) to a PNG,
    titled ``title`` (e.g. "lora on reviews.csv (800 training rows)").

    ``history``: a training result (anything with ``.history``) or its list of log dicts.
    """
    from lmtask.atomic import atomic_path

    plt = _pyplot()
    fig = curves_figure(history, title)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        with atomic_path(out) as tmp:
            fig.savefig(tmp, dpi=100, format="png")
    finally:
        plt.close(fig)
    return out
