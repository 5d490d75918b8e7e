"""Classification metrics (by scikit-learn) and calibration numbers, on plain label lists.

A prediction whose label is ``None`` (generate mode, no match; or abstained) counts as wrong
and shows up in an extra "unknown" confusion-matrix column.

>>> m = compute_metrics(["a", "b"], ["a", "b", "b"], ["a", "b", None])
>>> round(m["accuracy"], 3)
0.667
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lmtask.errors import InputError

N_BINS = 15
UNKNOWN = "unknown"
_NONE = "\0unknown"  # stands in for a None label inside the metric code; never a gold label


def reliability_bins(
    confidences: Sequence[float], correct: Sequence[bool], n_bins: int = N_BINS
) -> list[dict[str, float]]:
    """Equal-width bins ``(lo, hi]`` on [0, 1] (the first also holds 0): count, mean
    confidence and accuracy per bin (0.0 for empty bins)."""
    conf = np.asarray(confidences, dtype=float)
    ok = np.asarray(correct, dtype=float)
    idx = np.clip(np.ceil(conf * n_bins).astype(int) - 1, 0, n_bins - 1)
    bins = []
    for b in range(n_bins):
        mask = idx == b
        count = int(mask.sum())
        bins.append(
            {
                "lo": b / n_bins,
                "hi": (b + 1) / n_bins,
                "count": count,
                "confidence": float(conf[mask].mean()) if count else 0.0,
                "accuracy": float(ok[mask].mean()) if count else 0.0,
            }
        )
    return bins


def expected_calibration_error(
    confidences: Sequence[float], correct: Sequence[bool], n_bins: int = N_BINS
) -> float:
    """ECE: sum over bins of (bin size / n) * |accuracy - mean confidence|."""
    n = len(confidences)
    if n == 0:
        return 0.0
    bins = reliability_bins(confidences, correct, n_bins)
    return float(sum(b["count"] / n * abs(b["accuracy"] - b["confidence"]) for b in bins))


THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(20))


def coverage_curve(
    top_prob: Sequence[float], top_correct: Sequence[bool], thresholds: Sequence[float] = THRESHOLDS
) -> list[dict[str, float | None]]:
    """Abstention trade-off: answering only when the top probability is >= t, the share of
    rows answered (coverage) and the accuracy on them, for each threshold t (None where no
    row is answered: there is no accuracy to measure)."""
    p = np.asarray(top_prob, dtype=float)
    ok = np.asarray(top_correct, dtype=bool)
    out = []
    for t in thresholds:
        m = p >= t
        out.append(
            {
                "threshold": float(t),
                "coverage": float(m.mean()) if len(p) else 0.0,
                "accuracy": float(ok[m].mean()) if m.any() else None,
            }
        )
    return out


def compute_metrics(labels: Sequence[str], gold: Sequence[str], pred: Sequence[str | None]) -> dict:
    """Accuracy, macro-F1 (over labels seen in gold or predictions), per-class scores over
    ``labels`` and the confusion matrix (rows gold, columns predicted, plus "unknown")."""
    from sklearn.metrics import (
        accuracy_score,
        confusion_matrix,
        f1_score,
        precision_recall_fscore_support,
    )

    labels = list(labels)
    y_pred = [p if p is not None else _NONE for p in pred]
    y_true = list(gold)
    if not y_true:
        raise InputError("nothing to evaluate: the data has no rows")
    present = set(y_true) | set(y_pred)
    seen = [lb for lb in labels if lb in present]
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    per_class = {
        lb: {
            "precision": float(p[i]),
            "recall": float(r[i]),
            "f1": float(f[i]),
            "support": int(s[i]),
        }
        for i, lb in enumerate(labels)
    }
    has_unknown = _NONE in y_pred
    columns = labels + ([_NONE] if has_unknown else [])
    cm = confusion_matrix(y_true, y_pred, labels=columns)[: len(labels)]
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, labels=seen, average="macro", zero_division=0)),
        "per_class": per_class,
        "confusion_matrix": {
            "rows": labels,
            "columns": labels + ([UNKNOWN] if has_unknown else []),
            "matrix": cm.astype(int).tolist(),
        },
    }
